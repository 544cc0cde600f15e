"""High availability in the cluster model: VRRP, connection sync, health checks, sorry
servers; the check against a router's interfaces.

Every bad description is refused with the variable path and the value, like
test_cluster_model.py's BAD table."""

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import cluster_schema
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_host_checks import (
    check_router_interfaces,
    interface_networks,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_schema import Sync
from descriptions import DELETE, changed

HOSTS = {"rs1": "198.51.100.21", "rs2": "198.51.100.22", "rs3": "198.51.100.23",
         "rs6": "2001:db8:51::21"}
ROUTERS = ["router1", "router2"]

HA = {
    "routers": {"public_interface": "vec1", "private_interface": "vec2",
                "nat_address": "198.51.100.1/24", "ipvs_owner": "keepalived",
                "vrrp": {"virtual_router_id": 51}},
    "services": [
        {"name": "web", "vip": "192.0.2.10", "port": 80, "forwarding": "nat",
         "health_check": {"type": "http", "path": "/health"},
         "real_servers": [{"host": "rs1", "port": 8080}, {"host": "rs2"}]},
        {"name": "bundle", "fwmark": 80, "vips": ["192.0.2.20", "2001:db8:2::20"],
         "ports": [80, 443], "forwarding": "dr",
         "health_check": {"type": "send_expect", "send": "HEAD / HTTP/1.0\r\n\r\n",
                          "expect": "HTTP/1."},
         "sorry_server": {"address": "198.51.100.99"},
         "real_servers": [{"host": "rs1"}, {"host": "rs3"}, {"host": "rs6"}]},
        {"name": "dns", "vip": "192.0.2.53", "port": 53, "protocol": "udp", "forwarding": "dr",
         "real_servers": [{"host": "rs2"}]},
    ],
}
VRRP = ("routers", "vrrp")
S0 = ("services", 0)
HC0 = S0 + ("health_check",)


def with_change(path, value, base=None):
    return changed(HA if base is None else base, path, value)


def test_defaults_of_a_two_router_cluster():
    cluster = load(HA, HOSTS, ROUTERS)
    vrrp = cluster.routers.vrrp
    assert vrrp.priorities == {"router1": 150, "router2": 100}
    assert (vrrp.version, vrrp.advert_interval, vrrp.preempt) == (3, "1", True)
    assert vrrp.private_virtual_router_id == 51
    assert vrrp.unicast_peers is False
    assert cluster.routers.vrrp_families == {"public": "ipv4", "private": "ipv4"}
    assert cluster.routers.sync == Sync(enabled=True, interface="vec2", sync_id=51)
    assert cluster.uses_keepalived()


def test_more_routers_get_distinct_default_priorities():
    cluster = load(HA, HOSTS, ["r1", "r2", "r3", "r4"])
    assert cluster.routers.vrrp.priorities == {"r1": 150, "r2": 100, "r3": 99, "r4": 98}


def test_one_static_router_needs_no_vrrp_and_no_sync():
    description = with_change(("routers",), {"public_interface": "vec1",
                                             "private_interface": "vec2",
                                             "nat_address": "198.51.100.1/24"})
    cluster = load(description, HOSTS, ["router1"])
    assert cluster.routers.vrrp is None and not cluster.uses_keepalived()
    assert cluster.routers.sync.enabled is False
    assert cluster.routers.ipvs_owner == "static"      # the default without failover


def test_failover_makes_keepalived_the_default_owner():
    description = copy.deepcopy(HA)
    del description["routers"]["ipvs_owner"]
    assert load(description, HOSTS, ROUTERS).routers.ipvs_owner == "keepalived"
    description["routers"]["ipvs_owner"] = "static"
    assert load(description, HOSTS, ROUTERS).routers.ipvs_owner == "static"


def test_sync_without_vrrp_is_refused_on_a_single_static_router():
    description = with_change(("routers",), {"public_interface": "vec1",
                                             "private_interface": "vec2",
                                             "nat_address": "198.51.100.1/24",
                                             "sync": {"enabled": True}})
    with pytest.raises(ClusterError) as caught:
        load(description, HOSTS, ["router1"])
    assert str(caught.value).startswith(
        "lvs_cluster.routers.sync.enabled=True: connection sync follows the VRRP master")


def test_health_checks_default_merge_and_override():
    description = with_change(S0 + ("real_servers", 1, "health_check"), {"path": "/rs2"})
    description["services"][1]["real_servers"][1]["health_check"] = {"type": "tcp", "port": 443}
    cluster = load(description, HOSTS, ROUTERS)
    web, bundle, dns = cluster.services
    first, second = web.real_servers
    assert first.health_check == cluster_schema.HealthCheck(
        type="http", port=8080, interval="5", timeout="3", retry=1,
        delay_before_retry="1", on_failure="remove", path="/health",
        status_codes=[200], digest=None, virtual_host=None, send=None, expect=None, program=None,
        paths={key: "lvs_cluster.services[0].health_check.%s" % key
               for key in ("path", "status_codes", "digest", "virtual_host")})
    assert (second.health_check.path, second.health_check.port) == ("/rs2", 80)
    # a type replaces the service's check; a mark's check probes its first port
    assert bundle.real_servers[0].health_check.type == "send_expect"
    assert bundle.real_servers[0].health_check.port == 80
    assert bundle.real_servers[1].health_check.type == "tcp"
    assert bundle.real_servers[1].health_check.port == 443
    assert bundle.real_servers[1].health_check.send is None
    # a UDP service has no default check
    assert dns.real_servers[0].health_check is None
    assert bundle.sorry_server == cluster_schema.SorryServer(address="198.51.100.99",
                                                             family="ipv4", port=None)


def test_timers_keep_keepalived_spelling():
    description = with_change(VRRP, {"virtual_router_id": 7, "advert_interval": "0.25",
                                     "preempt_delay": 2.5, "garp_interval": 0.001})
    vrrp = load(description, HOSTS, ROUTERS).routers.vrrp
    assert (vrrp.advert_interval, vrrp.preempt_delay, vrrp.garp_interval) == \
        ("0.25", "2.5", "0.001")


def ipv6_only(vrrp):
    return {"routers": {"public_interface": "vec1", "vrrp": vrrp},
            "services": [{"name": "web6", "vip": "2001:db8:2::10", "port": 80,
                          "real_servers": [{"host": "rs6"}]}]}


BAD_HA = [
    # (what is wrong, the description, the start of the message)
    ("a VRRP id of 0", with_change(VRRP + ("virtual_router_id",), 0),
     "lvs_cluster.routers.vrrp.virtual_router_id=0: must be between 1 and 255"),
    ("a VRRP id of 256", with_change(VRRP + ("virtual_router_id",), 256),
     "lvs_cluster.routers.vrrp.virtual_router_id=256: must be between 1 and 255"),
    ("two routers and no VRRP id", with_change(VRRP, {}),
     "lvs_cluster.routers.vrrp.virtual_router_id=None: is required"),
    ("a private VRRP id out of range", with_change(VRRP + ("private_virtual_router_id",), 300),
     "lvs_cluster.routers.vrrp.private_virtual_router_id=300: must be between 1 and 255"),
    ("one VRRP id for two instances on one interface",
     with_change(("routers", "private_interface"), "vec1"),
     "lvs_cluster.routers.vrrp.private_virtual_router_id=None: the public and private VRRP "
     "instances share one interface"),
    ("a priority of 0", with_change(VRRP + ("priorities",), {"router1": 0, "router2": 100}),
     "lvs_cluster.routers.vrrp.priorities.router1=0: must be an integer between 1 and 254"),
    ("a priority of 256", with_change(VRRP + ("priorities",), {"router1": 256, "router2": 100}),
     "lvs_cluster.routers.vrrp.priorities.router1=256: must be an integer between 1 and 254"),
    ("a priority of 255 (address owner)",
     with_change(VRRP + ("priorities",), {"router1": 255, "router2": 100}),
     "lvs_cluster.routers.vrrp.priorities.router1=255: must be an integer between 1 and 254"),
    ("a priority that is not a number",
     with_change(VRRP + ("priorities",), {"router1": "high", "router2": 100}),
     "lvs_cluster.routers.vrrp.priorities.router1='high': must be an integer"),
    ("equal priorities on both routers",
     with_change(VRRP + ("priorities",), {"router1": 100, "router2": 100}),
     "lvs_cluster.routers.vrrp.priorities.router2=100: is router1's priority too"),
    ("priorities naming a host that is not a router",
     with_change(VRRP + ("priorities",), {"router1": 150, "router2": 100, "rs1": 50}),
     "lvs_cluster.routers.vrrp.priorities.rs1=50: rs1 is not a router (lvs_routers: router1, "
     "router2)"),
    ("priorities leaving a router out", with_change(VRRP + ("priorities",), {"router1": 150}),
     "lvs_cluster.routers.vrrp.priorities={'router1': 150}: has no priority for router router2"),
    ("a fractional VRRPv2 advert interval",
     with_change(VRRP, {"virtual_router_id": 51, "version": 2, "advert_interval": 0.5}),
     "lvs_cluster.routers.vrrp.advert_interval=0.5: must be a whole number of seconds"),
    ("a VRRPv2 advert interval of 0",
     with_change(VRRP, {"virtual_router_id": 51, "version": 2, "advert_interval": 0}),
     "lvs_cluster.routers.vrrp.advert_interval=0: must be between 1 and 255 seconds"),
    ("a VRRPv3 advert interval below 0.01", with_change(VRRP + ("advert_interval",), 0.005),
     "lvs_cluster.routers.vrrp.advert_interval=0.005: must be between 0.01 and 40.95 seconds"),
    ("a VRRPv3 advert interval off the 0.01 steps", with_change(VRRP + ("advert_interval",), 0.015),
     "lvs_cluster.routers.vrrp.advert_interval=0.015: must be a multiple of 0.01 seconds"),
    ("a VRRPv3 advert interval above 40.95", with_change(VRRP + ("advert_interval",), 41),
     "lvs_cluster.routers.vrrp.advert_interval=41: must be between 0.01 and 40.95 seconds"),
    ("an advert interval that is no number", with_change(VRRP + ("advert_interval",), "1s"),
     "lvs_cluster.routers.vrrp.advert_interval='1s': must be a number of seconds"),
    ("a VRRP version 4", with_change(VRRP + ("version",), 4),
     "lvs_cluster.routers.vrrp.version=4: must be between 2 and 3"),
    ("VRRPv2 over IPv6", ipv6_only({"virtual_router_id": 9, "version": 2}),
     "lvs_cluster.routers.vrrp.version=2: the public VRRP instance advertises over IPv6"),
    ("a password in lvs_cluster", with_change(VRRP + ("auth_pass",), "s3cret"),
     "lvs_cluster.routers.vrrp.auth_pass='(hidden)': a secret does not belong in lvs_cluster"),
    ("an authentication block in lvs_cluster",
     with_change(VRRP + ("authentication",), {"auth_type": "PASS", "auth_pass": "x"}),
     "lvs_cluster.routers.vrrp.authentication='(hidden)': a secret does not belong in "
     "lvs_cluster, which is printed and logged: set the role variable router_vrrp_auth_secret"),
    ("an unknown VRRP option", with_change(VRRP + ("advert_int",), 1),
     "lvs_cluster.routers.vrrp.advert_int=1: is not an option here"),
    ("a preempt delay without preemption",
     with_change(VRRP, {"virtual_router_id": 51, "preempt": False, "preempt_delay": 10}),
     "lvs_cluster.routers.vrrp.preempt_delay=10: has no effect with preempt: false"),
    ("a preempt delay above 1000", with_change(VRRP + ("preempt_delay",), 1001),
     "lvs_cluster.routers.vrrp.preempt_delay=1001: must be between 0 and 1000 seconds"),
    ("preempt that is no boolean", with_change(VRRP + ("preempt",), "sometimes"),
     "lvs_cluster.routers.vrrp.preempt='sometimes': must be true or false"),
    ("a unicast peer list in a NAT cluster", with_change(VRRP + ("unicast_peers",), ["192.0.2.3"]),
     "lvs_cluster.routers.vrrp.unicast_peers=['192.0.2.3']: a NAT cluster has two VRRP instances"),
    ("a unicast peer of the wrong family",
     with_change(VRRP + ("unicast_peers",), {"public": ["2001:db8:2::3"], "private": ["198.51.100.3"]}),
     "lvs_cluster.routers.vrrp.unicast_peers.public[0]='2001:db8:2::3': is ipv6 but the public "
     "VRRP instance advertises over ipv4"),
    ("unknown unicast peer keys",
     with_change(VRRP + ("unicast_peers",), {"public": ["192.0.2.3"], "privat": ["198.51.100.3"]}),
     "lvs_cluster.routers.vrrp.unicast_peers.privat=['198.51.100.3']: is not an option here"),
    ("a notify program by relative path", with_change(VRRP + ("notify",), "notify.sh"),
     "lvs_cluster.routers.vrrp.notify='notify.sh': must be an absolute path"),
    ("a GARP repeat of 0", with_change(VRRP + ("garp_master_repeat",), 0),
     "lvs_cluster.routers.vrrp.garp_master_repeat=0: must be between 1 and 86400"),
    ("an IPVS owner typo", with_change(("routers", "ipvs_owner"), "keepalive"),
     "lvs_cluster.routers.ipvs_owner='keepalive': must be one of static, keepalived"),
    ("an unknown sync option", with_change(("routers", "sync"), {"enable": True}),
     "lvs_cluster.routers.sync.enable=True: is not an option here"),
    ("a sync id above 255", with_change(("routers", "sync"), {"sync_id": 256}),
     "lvs_cluster.routers.sync.sync_id=256: must be between 0 and 255"),
    ("an unknown check type", with_change(HC0 + ("type",), "ping"),
     "lvs_cluster.services[0].health_check.type='ping': must be one of tcp, http, https, "
     "send_expect, program"),
    ("an HTTP check without a path", with_change(HC0 + ("path",), DELETE),
     "lvs_cluster.services[0].health_check.path=None: is required by a http check"),
    ("an HTTP path without the leading slash", with_change(HC0 + ("path",), "health"),
     "lvs_cluster.services[0].health_check.path='health': must start with /"),
    ("an HTTP path that would close keepalived's quotes", with_change(HC0 + ("path",), '/a"b'),
     "lvs_cluster.services[0].health_check.path='/a\"b': cannot be written into keepalived.conf "
     "safely"),
    ("an HTTP path with a newline", with_change(HC0 + ("path",), "/a\n}"),
     "lvs_cluster.services[0].health_check.path='/a\\n}': cannot be written into "
     "keepalived.conf safely"),
    ("an expected status that is not a number", with_change(HC0 + ("status_codes",), [200, "ok"]),
     "lvs_cluster.services[0].health_check.status_codes[1]='ok': must be an integer"),
    ("an expected status out of HTTP's range", with_change(HC0 + ("status_codes",), [600]),
     "lvs_cluster.services[0].health_check.status_codes[0]=600: must be between 100 and 599"),
    ("expected statuses that are no list", with_change(HC0 + ("status_codes",), 200),
     "lvs_cluster.services[0].health_check.status_codes=200: must be a list"),
    ("a digest that is no MD5", with_change(HC0 + ("digest",), "abc"),
     "lvs_cluster.services[0].health_check.digest='abc': must be an MD5 digest"),
    ("a virtual host with a quote", with_change(HC0 + ("virtual_host",), 'www"x'),
     "lvs_cluster.services[0].health_check.virtual_host='www\"x': must be a host name"),
    ("an option of another check type", with_change(HC0 + ("expect",), "OK"),
     "lvs_cluster.services[0].health_check.expect='OK': is not an option of a http check"),
    ("an unknown check option", with_change(HC0 + ("intervall",), 5),
     "lvs_cluster.services[0].health_check.intervall=5: is not an option here"),
    ("a check interval of 0", with_change(HC0 + ("interval",), 0),
     "lvs_cluster.services[0].health_check.interval=0: must be between 0.01 and 86400 seconds"),
    ("a retry count that is no number", with_change(HC0 + ("retry",), "twice"),
     "lvs_cluster.services[0].health_check.retry='twice': must be an integer"),
    ("an on_failure typo", with_change(HC0 + ("on_failure",), "drain"),
     "lvs_cluster.services[0].health_check.on_failure='drain': must be one of remove, quiesce"),
    ("a send/expect check with an empty expect",
     with_change(("services", 1, "health_check", "expect"), ""),
     "lvs_cluster.services[1].health_check.expect='': must be a non-empty string"),
    ("a send/expect check without expect",
     with_change(("services", 1, "health_check", "expect"), DELETE),
     "lvs_cluster.services[1].health_check.expect=None: must be a non-empty string"),
    ("a program check by relative path",
     with_change(HC0, {"type": "program", "program": "bin/check"}),
     "lvs_cluster.services[0].health_check.program='bin/check': must be an absolute path"),
    ("a program check with shell syntax",
     with_change(HC0, {"type": "program", "program": "/bin/check; rm -rf /"}),
     "lvs_cluster.services[0].health_check.program='/bin/check; rm -rf /': must be a plain "
     "absolute path"),
    ("a TCP check on a UDP service", with_change(("services", 2, "health_check"), {"type": "tcp"}),
     "lvs_cluster.services[2].health_check.type='tcp': a tcp check needs TCP and this service "
     "is udp"),
    ("a real server's check override with a bad port",
     with_change(S0 + ("real_servers", 1, "health_check"), {"port": 0}),
     "lvs_cluster.services[0].real_servers[1].health_check.port=0: must be between 1 and 65535"),
    ("an unknown key in a real server's check",
     with_change(S0 + ("real_servers", 1, "health_check"), {"pth": "/"}),
     "lvs_cluster.services[0].real_servers[1].health_check.pth='/': is not an option here"),
    ("a real server's check that is not a dictionary",
     with_change(S0 + ("real_servers", 1, "health_check"), "tcp"),
     "lvs_cluster.services[0].real_servers[1].health_check='tcp': must be a dictionary"),
    ("a sorry server of the wrong family",
     with_change(S0 + ("sorry_server",), {"address": "2001:db8:51::99"}),
     "lvs_cluster.services[0].sorry_server.address='2001:db8:51::99': is ipv6 but the service's "
     "VIPs are ipv4"),
    ("a sorry server port under direct routing",
     with_change(("services", 1, "sorry_server", "port"), 8080),
     "lvs_cluster.services[1].sorry_server.port=8080: only NAT can send to another port"),
    ("a sorry server without an address", with_change(S0 + ("sorry_server",), {"port": 80}),
     "lvs_cluster.services[0].sorry_server.address=None: an IPv4 or IPv6 address is required"),
    ("an unknown sorry server key",
     with_change(S0 + ("sorry_server",), {"address": "198.51.100.99", "weight": 1}),
     "lvs_cluster.services[0].sorry_server.weight=1: is not an option here"),
]


@pytest.mark.parametrize("description, expected", [case[1:] for case in BAD_HA],
                         ids=[case[0] for case in BAD_HA])
def test_a_bad_ha_description_is_refused_by_path_and_value(description, expected):
    with pytest.raises(ClusterError) as caught:
        load(description, HOSTS, ROUTERS)
    assert str(caught.value).startswith(expected), str(caught.value)


def test_at_least_15_distinct_bad_ha_descriptions_are_tested():
    assert len({case[0] for case in BAD_HA}) == len(BAD_HA) >= 15


def test_the_ha_example_is_good_and_not_changed_by_loading():
    before = copy.deepcopy(HA)
    load(HA, HOSTS, ROUTERS)
    assert HA == before


# --- a router's interfaces ---------------------------------------------------------

FACTS = {
    "vec1": {"ipv4": {"address": "192.0.2.2", "netmask": "255.255.255.0", "network": "192.0.2.0",
                      "prefix": "24"},
             "ipv6": [{"address": "2001:db8:2::2", "prefix": "64", "scope": "global"},
                      {"address": "fe80::1", "prefix": "64", "scope": "link"}]},
    "vec2": {"ipv4": {"address": "198.51.100.2", "netmask": "255.255.255.0"}},
    "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"},
           "ipv6": [{"address": "::1", "prefix": "128", "scope": "host"}]},
}


def test_every_vip_and_the_nat_address_sit_in_an_interface_subnet():
    cluster = load(HA, HOSTS, ROUTERS)
    assert check_router_interfaces(cluster, "router1", FACTS) == {
        "192.0.2.10": "vec1", "192.0.2.20": "vec1", "2001:db8:2::20": "vec1",
        "192.0.2.53": "vec1", "198.51.100.1": "vec2"}


@pytest.mark.parametrize("change, expected", [
    (("services", 1, "vips", 1), "lvs_cluster.services[1].vips[1]='2001:db8:9::20': is outside "
                                 "every subnet of router1's interfaces (lo 127.0.0.0/8"),
    (("services", 0, "vip"), "lvs_cluster.services[0].vip='2001:db8:9::20': is outside"),
])
def test_a_vip_outside_every_subnet_is_refused_by_path(change, expected):
    description = with_change(change, "2001:db8:9::20")
    if change[-1] == "vip":          # an IPv6 VIP on the NAT web service needs IPv6 servers
        description["services"][0].update(forwarding="dr", real_servers=[{"host": "rs6"}])
    cluster = load(description, HOSTS, ROUTERS)
    with pytest.raises(ClusterError) as caught:
        check_router_interfaces(cluster, "router1", FACTS)
    assert str(caught.value).startswith(expected), str(caught.value)


def test_a_nat_address_outside_every_subnet_is_refused():
    cluster = load(with_change(("routers", "nat_address"), "203.0.113.1/24"), HOSTS, ROUTERS)
    with pytest.raises(ClusterError) as caught:
        check_router_interfaces(cluster, "router1", FACTS)
    assert str(caught.value).startswith("lvs_cluster.routers.nat_address='203.0.113.1': is outside")


def test_interface_networks_skip_link_local():
    assert [str(n) for n in interface_networks(FACTS["vec1"])] == ["192.0.2.0/24", "2001:db8:2::/64"]
    assert interface_networks(None) == []


def test_the_reference_documents_every_new_key():
    from pathlib import Path

    reference = (Path(__file__).resolve().parents[4] / "docs" / "cluster-model.md").read_text()
    for key in (cluster_schema.VRRP_KEYS + cluster_schema.SYNC_KEYS + cluster_schema.HEALTH_CHECK_KEYS
                + cluster_schema.SORRY_SERVER_KEYS + cluster_schema.IPVS_OWNERS
                + cluster_schema.VRRP_SECRET_KEYS + (cluster_schema.SECRET_VARIABLE,)):
        assert "`%s`" % key in reference, key


@pytest.mark.parametrize("path", [
    ("routers", "ipvs_owner"), ("routers", "sync"), VRRP + ("version",), VRRP + ("advert_interval",),
    VRRP + ("preempt",), S0 + ("forwarding",), S0 + ("scheduler",), S0 + ("protocol",),
    ("services", 1, "protocols"), HC0 + ("type",), HC0 + ("interval",), HC0 + ("retry",),
    HC0 + ("on_failure",), HC0 + ("status_codes",), ("services", 1, "health_check", "send")])
def test_a_key_left_empty_counts_as_not_given(path):
    """YAML's `key:` (null): the default applies, as where the key is left out."""
    left_out = with_change(path, DELETE) if path[-1] in _at(HA, path[:-1]) else HA
    empty = with_change(path, None)
    assert _outcome(empty) == _outcome(left_out)


def _outcome(description):
    try:
        return load(description, HOSTS, ROUTERS)
    except ClusterError as error:
        return str(error)


def _at(description, path):
    for key in path:
        description = description[key]
    return description
