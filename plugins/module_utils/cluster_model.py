# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster description: one dict (the inventory's ``lvs_cluster``), validated once on
the controller into a Cluster, from which each role's part is projected.

    lvs_cluster:
      routers:
        public_interface: eth0          # where the VIPs live
        private_interface: eth1         # where the NAT address lives (NAT clusters)
        nat_address: 198.51.100.1/24    # the floating address NAT real servers route through
      services:
        - name: web
          vip: 192.0.2.10               # protocol + vip + port ...
          port: 80
          protocol: tcp
          forwarding: dr                # nat | dr | tun
          scheduler: wlc
          persistence: {timeout: 300, netmask: 255.255.255.0, ipv6_netmask: 64}
          real_servers:
            - {host: rs1, weight: 2}    # an inventory host (its address from its vars)
            - {address: 198.51.100.23}  # or an address
        - name: web-bundle              # ... or a firewall mark with its VIPs and ports
          fwmark: 80
          vips: [192.0.2.20]
          ports: [80, 443]
          real_servers: [{host: rs1}, {host: rs2}]

This module is the entry point, load(); each job is a module of its own:

- cluster_schema: the keys, choices and limits, and the typed records of a valid cluster;
- cluster_errors: every mistake collected (ClusterError lists them all, one a line);
- cluster_values, cluster_routers, cluster_services, cluster_health_checks: the
  validation of the values, the routers (VRRP, sync), the services and real servers, the
  health checks;
- cluster_ipvs: a service as ipvs_service takes it, checked by that module's own code;
- cluster_router_projection, cluster_real_server_projection: what each role applies;
- cluster_host_checks: the checks against a host's facts (VIPs in a router's subnets);
- keepalived_conf: a router's keepalived.conf.

Every error names the variable path and the value (``lvs_cluster.services[2].real_servers
[0].port=8080: why``) through the collection's one validation core. No secret is ever part
of ``lvs_cluster``: the VRRPv2 password is the role variable ``router_vrrp_auth_secret``
(no_log). Nothing here touches a host.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import (
    ROOT,
    UNKNOWN,
    Mistakes,
    known,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_ipvs import check_ipvs
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_routers import (
    router_settings,
    sync,
    vrrp,
    vrrp_families,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_schema import (
    TOP_KEYS,
    Cluster,
    Routers,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_services import (
    check_overlaps,
    service,
)


def load(description, hosts, routers=None):
    """A valid Cluster from ``lvs_cluster`` and {inventory host: its address(es) or None}.

    routers: the inventory hosts of lvs_routers, in order (the first gets the highest
    default VRRP priority); None where the caller does not know them (then priorities
    naming hosts and sync's default cannot be decided here).

    Raises ClusterError (cluster_errors) naming every bad variable and its value."""
    mistakes = Mistakes()
    if not mistakes.dictionary(ROOT, description, TOP_KEYS,
                               "must be a dictionary with routers and services"):
        mistakes.raise_any()
    router_hosts = None if routers is None else [str(host) for host in routers]
    settings = router_settings(mistakes, description.get("routers"))
    given = description.get("services")
    if not isinstance(given, list) or not given:
        mistakes.fail("%s.services" % ROOT, given, "at least one service is needed")
        services = UNKNOWN
    else:
        services = [service(mistakes, "%s.services[%d]" % (ROOT, index), entry, hosts)
                    for index, entry in enumerate(given)]
        _check_nat(mistakes, settings, services)
        check_overlaps(mistakes, services)
        for one in services:
            if one is not UNKNOWN:
                check_ipvs(mistakes, one)
    # VRRP: one instance for the VIPs (public), one for the NAT address (private)
    families = vrrp_families(settings, services)
    interfaces = {"public": settings.public_interface, "private": settings.private_interface}
    failover = vrrp(mistakes, settings.vrrp, router_hosts, settings.ipvs_owner, families,
                    interfaces)
    connection_sync = sync(mistakes, settings.sync, router_hosts, failover, interfaces)
    mistakes.raise_any()
    return Cluster(Routers(settings.public_interface, settings.private_interface,
                           settings.nat_address, settings.ipvs_owner, router_hosts, failover,
                           families, connection_sync), services)


def _check_nat(mistakes, settings, services):
    """A NAT service needs the floating NAT address and the interface it lives on."""
    nat = [one for one in services if one is not UNKNOWN and one.forwarding == "nat"]
    if not nat:
        return
    if settings.nat_address is None:
        mistakes.fail("%s.routers.nat_address" % ROOT, None,
                      "is required: service %s forwards by NAT, and its real servers route their "
                      "replies through this floating address"
                      % (nat[0].name if known(nat[0].name) else nat[0].path[len(ROOT) + 1:]))
    if settings.private_interface is None:
        mistakes.fail("%s.routers.private_interface" % ROOT, None,
                      "is required: a NAT service's floating address lives on it")
