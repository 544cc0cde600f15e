# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a cluster description (``lvs_cluster``, docs/cluster-model.md) may say, and the
typed records a valid one becomes.

Why here: the keys, choices, defaults and limits are what docs/cluster-model.md documents
(a unit test checks that it names every key), and the records are what the projections
(cluster_router_projection, cluster_real_server_projection), keepalived_conf and the host
checks read: fields by name, never positions in a tuple.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import METHODS

FORWARDING = METHODS        # a service's forwarding is its real servers' IPVS method
# The tunnels a description can ask for: the real_server role decapsulates IP-in-IP only
# (tunl0). GUE and GRE would need fou / gre devices on the real servers, which it does not
# set up; the ipvs_service and ipvs_destination modules still take them.
DESCRIBED_TUNNEL_TYPES = ("ipip",)

TOP_KEYS = ("routers", "services")
SERVICE_KEYS = ("name", "vip", "port", "protocol", "fwmark", "vips", "ports", "protocols",
                "forwarding", "scheduler", "scheduler_flags", "persistence", "tunnel",
                "real_servers", "health_check", "sorry_server")
MARK_ONLY_KEYS = ("vips", "ports", "protocols")
NOT_MARK_KEYS = ("vip", "port", "protocol")
PERSISTENCE_KEYS = ("timeout", "netmask", "ipv6_netmask")
TUNNEL_KEYS = ("type",)
REAL_SERVER_KEYS = ("host", "address", "port", "weight", "upper_threshold", "lower_threshold",
                    "health_check")
ROUTER_KEYS = ("public_interface", "private_interface", "nat_address", "ipvs_owner", "vrrp", "sync")
# Who owns the IPVS table. keepalived by default when the routers fail over (routers.vrrp):
# its health checks then keep the pools; static without failover, where keepalived would
# run only for its checks and the description has no VRRP for it (docs/cluster-model.md).
IPVS_OWNERS = ("static", "keepalived")
DEFAULT_IPVS_OWNER = {True: "keepalived", False: "static"}   # by: is routers.vrrp set
VRRP_KEYS = ("virtual_router_id", "private_virtual_router_id", "version", "advert_interval",
             "priorities", "preempt", "preempt_delay", "unicast_peers", "garp_master_delay",
             "garp_master_repeat", "garp_master_refresh", "garp_master_refresh_repeat",
             "garp_interval", "gna_interval", "notify")
# lvs_cluster is not no_log: a password written there would be printed and logged
VRRP_SECRET_KEYS = ("auth_pass", "authentication", "auth_type", "password", "secret")
SECRET_VARIABLE = "router_vrrp_auth_secret"
SYNC_KEYS = ("enabled", "interface", "sync_id")
UNICAST_PEER_KEYS = ("public", "private")
HEALTH_CHECK_TYPES = ("tcp", "http", "https", "send_expect", "program")
_HTTP_KEYS = ("path", "status_codes", "digest", "virtual_host")
HEALTH_CHECK_TYPE_KEYS = {"tcp": (), "http": _HTTP_KEYS, "https": _HTTP_KEYS,
                          "send_expect": ("send", "expect"), "program": ("program",)}
HEALTH_CHECK_KEYS = ("type", "port", "interval", "timeout", "retry", "delay_before_retry",
                     "on_failure") + _HTTP_KEYS + ("send", "expect", "program")
TYPE_SPECIFIC_KEYS = frozenset(key for keys in HEALTH_CHECK_TYPE_KEYS.values() for key in keys)
ON_FAILURE = ("remove", "quiesce")
# a check without these settings: every 5 s, 3 s to connect, one retry 1 s later
HEALTH_CHECK_DEFAULTS = {"interval": "5", "timeout": "3", "retry": 1, "delay_before_retry": "1",
                         "on_failure": "remove"}
SORRY_SERVER_KEYS = ("address", "port")
# default priorities: the first router of lvs_routers 150, the second 100, then 99, 98, ...
FIRST_PRIORITY, SECOND_PRIORITY = 150, 100


# --- the records of a valid description ----------------------------------------------

# routers.nat_address: the floating address, its prefix length (the real servers' subnet)
# and its family
NatAddress = namedtuple("NatAddress", "address prefix family")

# routers: hosts are lvs_routers' inventory hosts in order (None where the caller did not
# give them); vrrp_families is {"public": family, "private": family} of the VRRP instances
# (no "private" without a NAT service); vrrp is None where keepalived does not run
Routers = namedtuple("Routers", "public_interface private_interface nat_address ipvs_owner "
                                "hosts vrrp vrrp_families sync")

# routers.vrrp, defaults applied: timers as keepalived writes them ("1", "0.25"),
# priorities {router host: priority}, unicast_peers False, True or {instance: [addresses]}
Vrrp = namedtuple("Vrrp", " ".join(VRRP_KEYS))

# routers.sync: interface and sync_id None when it is off
Sync = namedtuple("Sync", SYNC_KEYS)

# services[]: protocol is None for a firewall-mark service; vips in the order given,
# families sorted, family the first VIP's; ports ((low, high), ...) merged; tunnel_type
# as given (None: the module's default); persistence None or a Persistence; real_servers
# one per address (a host of a dual-stack mark serves with each family's address)
Service = namedtuple("Service", "path name forwarding scheduler scheduler_flags tunnel_type "
                                "fwmark protocol vips families family ports protocols "
                                "persistence sorry_server real_servers")

# services[].persistence: the values as the description gives them (the module's own code
# reads them; the model has checked them)
Persistence = namedtuple("Persistence", PERSISTENCE_KEYS)

# services[].real_servers[]: host None for an address entry; port, weight and thresholds
# None where not given; health_check None when there is none
RealServer = namedtuple("RealServer", "path host address family port weight upper_threshold "
                                      "lower_threshold health_check")

# a real server's health check: the service's, merged with its own; the fields of other
# check types None; paths {key: where the description set it} of the free-form values
HealthCheck = namedtuple("HealthCheck", HEALTH_CHECK_KEYS + ("paths",))

# services[].sorry_server
SorryServer = namedtuple("SorryServer", "address family port")


class Cluster(namedtuple("Cluster", "routers services")):
    """A valid cluster description: Routers and [Service]."""

    __slots__ = ()

    def uses(self, forwarding):
        """Some service forwards this way (nat, dr, tun)."""
        return any(service.forwarding == forwarding for service in self.services)

    def uses_keepalived(self):
        """keepalived runs on the routers: VRRP between them, or it owns the IPVS table."""
        return self.routers.vrrp is not None or self.routers.ipvs_owner == "keepalived"
