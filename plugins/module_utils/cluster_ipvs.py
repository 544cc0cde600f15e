# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A service of the description as the ipvs_service module takes it, and the module's own
checks of it named by the description's paths.

Why apart: the description and the module name things differently (forwarding / method,
persistence.timeout / persistence_timeout, vips / vip). The names are mapped here, in
both directions and in one place: ipvs_entries() writes the module's options from a
Service, and the tables below name each module option by where the description sets it,
so the module's checks (run on the controller by check_ipvs) report
``lvs_cluster.services[0].real_servers[1].lower_threshold=20: ...``, never the module's
``destinations[0]...``. The router role applies the same entries (cluster_router_projection),
so the model cannot accept what the module would refuse.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import complete, known
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    desired_destination,
    desired_service,
    resolve_destination,
    resolve_service,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

# ipvs_service's options: where a service of the description sets each, under the service
SERVICE_OPTION_PATHS = {
    "protocol": "protocol", "vip": "vip", "port": "port", "fwmark": "fwmark",
    "scheduler": "scheduler", "scheduler_flags": "scheduler_flags",
    "persistence_timeout": "persistence.timeout", "persistence_netmask": "persistence.netmask"}
# ... where a firewall-mark service spells them otherwise
MARK_OPTION_PATHS = {"vip": "vips", "port": "ports", "family": "vips", "protocol": "protocols"}
# ... and an IPv6 entry's netmask (a prefix length)
IPV6_OPTION_PATHS = {"persistence_netmask": "persistence.ipv6_netmask"}
# a destination's options a real server sets, under the real server (the same names)
DESTINATION_OPTIONS = ("port", "weight", "upper_threshold", "lower_threshold")
# the weight of a real server the description gives none (ipvsadm's and keepalived's)
DEFAULT_WEIGHT = 1
# a destination's options the description sets on the service, for all its real servers
DESTINATION_SERVICE_PATHS = {"method": "forwarding", "tunnel_type": "tunnel.type",
                             "tunnel_port": "tunnel.type", "tunnel_checksum": "tunnel.type"}
# what of a Service and its RealServers ipvs_entries() reads
_SERVICE_FIELDS = ("fwmark", "protocol", "vips", "families", "family", "ports", "scheduler",
                   "scheduler_flags", "persistence", "forwarding", "tunnel_type")
_SERVER_FIELDS = ("address", "family") + DESTINATION_OPTIONS


def _destination(service, server):
    """A real server as one of ipvs_service's destinations."""
    destination = {"address": server.address, "method": service.forwarding}
    for option in DESTINATION_OPTIONS:
        if getattr(server, option) is not None:
            destination[option] = getattr(server, option)
    # a real server without a weight is described at ipvsadm's and keepalived's default, not
    # "whatever the table has": else the weight 0 of a drain outlives its restore, and a
    # weight changed by hand is not healed
    destination.setdefault("weight", DEFAULT_WEIGHT)
    if service.forwarding == "tun" and service.tunnel_type:
        destination["tunnel_type"] = service.tunnel_type
    return destination


def ipvs_entries(service):
    """The ipvs_service entries of one Service: one, or one per family for a mark."""
    if service.fwmark is not None:
        entries = [dict(fwmark=service.fwmark, family=family) for family in service.families]
    else:
        entries = [dict(protocol=service.protocol, vip=service.vips[0], port=service.ports[0][0])]
    for entry in entries:
        family = entry.get("family", service.family)
        entry.update(scheduler=service.scheduler, purge=True)
        if service.scheduler_flags:
            entry["scheduler_flags"] = list(service.scheduler_flags)
        if service.persistence is not None:
            entry["persistence_timeout"] = service.persistence.timeout
            # netmask for the IPv4 VIPs, ipv6_netmask (a prefix length) for IPv6
            netmask = (service.persistence.ipv6_netmask if family == "ipv6"
                       else service.persistence.netmask)
            if netmask is not None:
                entry["persistence_netmask"] = netmask
        entry["destinations"] = [_destination(service, server) for server in service.real_servers
                                 if server.family == family]
    return entries


def _service_option_path(service, family):
    def name_of(option):
        key = None
        if service.fwmark is not None:
            key = MARK_OPTION_PATHS.get(option)
        if key is None and family == "ipv6":
            key = IPV6_OPTION_PATHS.get(option)
        if key is None:
            key = SERVICE_OPTION_PATHS.get(option, "(ipvs_service's %s)" % option)
        return "%s.%s" % (service.path, key)
    return name_of


def _destination_option_path(service, server):
    def name_of(option):
        if option in DESTINATION_SERVICE_PATHS:
            return "%s.%s" % (service.path, DESTINATION_SERVICE_PATHS[option])
        if option == "address":
            return "%s.%s" % (server.path, "host" if server.host is not None else "address")
        return "%s.%s" % (server.path, option if option in DESTINATION_OPTIONS
                          else "(ipvs_destination's %s)" % option)
    return name_of


def check_ipvs(mistakes, service):
    """What ipvs_service's own code checks of a Service (of the options, and when it builds
    the service from none), each mistake recorded by the description's path: the first of
    each IPVS service, then each destination's. Only what earlier mistakes leave known is
    checked: not a service with an UNKNOWN setting, not such a real server."""
    if not complete([getattr(service, field) for field in _SERVICE_FIELDS]):
        return
    service = service._replace(real_servers=[
        server for server in (service.real_servers if known(service.real_servers) else [])
        if known(server) and complete([getattr(server, field) for field in _SERVER_FIELDS])])
    for entry in ipvs_entries(service):
        family = entry.get("family", service.family)
        servers = [server for server in service.real_servers if server.family == family]
        options = dict((key, value) for key, value in entry.items() if key != "destinations")
        try:
            built = resolve_service(desired_service(options, _service_option_path(service, family)),
                                    None)
        except ValidationError as error:
            mistakes.add(error)
            continue
        for server, destination in zip(servers, entry["destinations"]):
            try:
                resolve_destination(desired_destination(
                    destination, family, _destination_option_path(service, server)), built, None)
            except ValidationError as error:
                mistakes.add(error)
