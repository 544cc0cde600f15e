# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Draining real servers (playbooks/drain.yml, the router role's entry points drain and
restore), on the controller: which addresses a drain names, whether the routers' tables
keep enough real servers in service without them, and what is still open.

    plan = drain_plan(cluster, ["rs1"], {"router1": table, "router2": table}, minimum=1)

A table is lvs.cluster.ipvs_info's ``ipvs.services``. A real server is in service in a
virtual service when its weight there is above 0 (keepalived's checks and the drain
markers both act through the weight, or take it out of the table).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import format_hostport
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    ValidationError,
    address as parse_address,
    address_sort_key,
)

OPTION = "lvs_drain"


def _service_label(service):
    if service.get("fwmark") is not None:
        return "fwmark %s (%s)" % (service["fwmark"], service.get("family") or "ipv4")
    return "%s %s" % (service.get("protocol"), format_hostport(service["vip"], service["port"]))


def drained_addresses(cluster, names):
    """{name: [addresses]} of the real servers named: inventory hosts of the description's
    real servers, or their addresses. Raises ClusterError naming every unknown one."""
    by_host, known = {}, set()
    for service in cluster.services:
        for server in service.real_servers:
            known.add(server.address)
            if server.host is not None:
                by_host.setdefault(server.host, set()).add(server.address)
    if isinstance(names, str):
        names = [name.strip() for name in names.split(",") if name.strip()]
    if not isinstance(names, (list, tuple)) or not names:
        raise ClusterError("%s=%r: name the real servers to drain (inventory hosts or addresses, "
                           "a list or comma-separated)" % (OPTION, names))
    found, unknown = {}, []
    for name in names:
        if name in by_host:
            found[name] = sorted(by_host[name], key=address_sort_key)
            continue
        try:
            address, _family = parse_address(OPTION, name)
        except ValidationError:
            address = None
        if address in known:
            found[name] = [address]
        else:
            unknown.append(name)
    if unknown:
        raise ClusterError("%s=%s: %s no real server of lvs_cluster (its real servers: %s)"
                           % (OPTION, ",".join(str(name) for name in unknown),
                              "is" if len(unknown) == 1 else "are",
                              ", ".join(sorted(by_host) + sorted(known - set(
                                  a for addresses in by_host.values() for a in addresses),
                                  key=address_sort_key))))
    return found


def drain_plan(cluster, names, tables, minimum=1):
    """What draining the named real servers does, checked against every router's table.

    Returns {"addresses": [...], "services": [{router, service, addresses, in_service,
    left}], "refused": [message]}: refused lists each virtual service on each router that
    would keep fewer than minimum real servers in service (nothing may change then)."""
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 0:
        raise ClusterError("router_drain_minimum=%r: must be an integer, 0 or more" % (minimum,))
    named = drained_addresses(cluster, names)
    addresses = sorted(set(a for values in named.values() for a in values), key=address_sort_key)
    affected, refused = [], []
    for router in sorted(tables):
        for service in tables[router] or []:
            destinations = service.get("destinations") or []
            hit = sorted(set(d["address"] for d in destinations if d["address"] in addresses),
                         key=address_sort_key)
            if not hit:
                continue
            serving = [d["address"] for d in destinations if d["weight"] > 0]
            left = [a for a in serving if a not in addresses]
            entry = {"router": router, "service": _service_label(service), "addresses": hit,
                     "in_service": serving, "left": left}
            affected.append(entry)
            if len(left) < minimum:
                refused.append("%s=%s: would leave %s on %s with %d real server%s in service "
                               "(router_drain_minimum=%d; in service now: %s)"
                               % (OPTION, ",".join(hit), entry["service"], router, len(left),
                                  "" if len(left) == 1 else "s", minimum,
                                  ", ".join(serving) or "none"))
    return {"addresses": addresses, "services": affected, "refused": refused}


def open_connections(tables, addresses):
    """[{router, service, address, active, inactive}] of the given real servers that still
    hold active connections (ipvs_info tables by router)."""
    still = []
    for router in sorted(tables):
        for service in tables[router] or []:
            for destination in service.get("destinations") or []:
                if destination["address"] in addresses and destination["active_connections"] > 0:
                    still.append({"router": router, "service": _service_label(service),
                                  "address": destination["address"],
                                  "active": destination["active_connections"],
                                  "inactive": destination["inactive_connections"]})
    return still
