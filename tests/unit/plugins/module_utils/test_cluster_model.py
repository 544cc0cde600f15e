"""The cluster model: one description validated on the controller, the roles' views of it.

Every bad description is refused with the variable path and the value, before anything
could reach a host; good ones give the IPVS table, the marks and each real server's part."""

import copy
import re
from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import cluster_ipvs, cluster_schema, ipvs_model
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_real_server_projection import (
    real_server_view,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_router_projection import (
    fwmark_rules,
    ipvs_services,
    needs_ftp_helper,
    router_addresses,
)
from descriptions import DELETE, changed

HOSTS = {"rs1": "198.51.100.21", "rs2": "198.51.100.22", "rs3": "198.51.100.23",
         "rs6": "2001:db8:51::21", "noaddr": None}

CLUSTER = {
    "routers": {"public_interface": "vec1", "private_interface": "vec2",
                "nat_address": "198.51.100.1/24"},
    "services": [
        {"name": "web", "vip": "192.0.2.10", "port": 80, "forwarding": "nat", "scheduler": "wrr",
         "real_servers": [{"host": "rs1", "weight": 3, "port": 8080}, {"host": "rs2"}]},
        {"name": "bundle", "fwmark": 80, "vips": ["192.0.2.20", "2001:db8:2::20"],
         "ports": [80, 443], "forwarding": "dr",
         "persistence": {"timeout": 300, "netmask": "255.255.255.0", "ipv6_netmask": 64},
         "real_servers": [{"host": "rs1"}, {"host": "rs3"}, {"host": "rs6"}]},
        {"name": "ftp", "fwmark": 21, "vips": ["192.0.2.30"], "ports": [21, "10000-20000"],
         "forwarding": "tun", "tunnel": {"type": "ipip"},
         "real_servers": [{"address": "198.51.100.23"}]},
    ],
}


def with_change(path, value):
    """CLUSTER with the item at path set (or deleted when value is DELETE)."""
    return changed(CLUSTER, path, value)


S0 = ("services", 0)
RS0 = S0 + ("real_servers", 0)


def test_the_ipvs_table_of_the_example():
    table = ipvs_services(load(CLUSTER, HOSTS))
    assert table[0] == {
        "protocol": "tcp", "vip": "192.0.2.10", "port": 80, "scheduler": "wrr", "purge": True,
        "destinations": [{"address": "198.51.100.21", "method": "nat", "port": 8080, "weight": 3},
                         {"address": "198.51.100.22", "method": "nat", "weight": 1}]}
    # one firewall-mark service per family, each with its family's real servers
    assert [(e.get("fwmark"), e.get("family")) for e in table[1:]] == \
        [(80, "ipv4"), (80, "ipv6"), (21, "ipv4")]
    assert [d["address"] for d in table[1]["destinations"]] == ["198.51.100.21", "198.51.100.23"]
    assert [d["address"] for d in table[2]["destinations"]] == ["2001:db8:51::21"]
    assert table[1]["persistence_timeout"] == 300
    assert table[1]["persistence_netmask"] == "255.255.255.0"
    assert table[2]["persistence_netmask"] == 64
    assert table[3]["destinations"] == [{"address": "198.51.100.23", "method": "tun", "weight": 1,
                                         "tunnel_type": "ipip"}]


def test_marks_addresses_and_helpers():
    cluster = load(CLUSTER, HOSTS)
    assert fwmark_rules(cluster) == [
        {"fwmark": 80, "vips": ["192.0.2.20", "2001:db8:2::20"], "protocols": ["tcp"],
         "ports": [80, 443]},
        {"fwmark": 21, "vips": ["192.0.2.30"], "protocols": ["tcp"], "ports": [21, "10000-20000"]}]
    assert router_addresses(cluster) == {
        "public": ["192.0.2.10/32", "192.0.2.20/32", "192.0.2.30/32", "2001:db8:2::20/128"],
        "private": ["198.51.100.1/24"]}
    assert needs_ftp_helper(cluster)
    assert cluster.uses("nat") and cluster.uses("dr") and cluster.uses("tun")


def test_each_real_servers_part():
    cluster = load(CLUSTER, HOSTS)
    assert real_server_view(cluster, "198.51.100.21") == {
        "dr_vips": ["192.0.2.20"], "tun_vips": [], "nat_gateway": "198.51.100.1",
        "nat_sources": ["198.51.100.21"], "nat_services": ["web"], "services": ["web", "bundle"]}
    assert real_server_view(cluster, "198.51.100.23") == {
        "dr_vips": ["192.0.2.20"], "tun_vips": ["192.0.2.30"], "nat_gateway": None,
        "nat_sources": [], "nat_services": [], "services": ["bundle", "ftp"]}
    # a dual-stack host: only the address of the NAT address's family sources NAT replies
    assert real_server_view(cluster, ["198.51.100.21", "2001:db8:51::21"])["nat_sources"] == ["198.51.100.21"]
    assert real_server_view(cluster, "2001:db8:51::21")["dr_vips"] == ["2001:db8:2::20"]
    assert real_server_view(cluster, "198.51.100.99")["services"] == []


def test_a_dr_only_cluster_needs_no_nat_address():
    description = {"routers": {"public_interface": "eth0"},
                   "services": [{"name": "web", "vip": "192.0.2.10", "port": 80,
                                 "real_servers": [{"host": "rs1"}]}]}
    cluster = load(description, HOSTS)
    assert router_addresses(cluster) == {"public": ["192.0.2.10/32"], "private": []}
    assert ipvs_services(cluster)[0]["scheduler"] == "wlc"           # the default
    assert ipvs_services(cluster)[0]["destinations"][0]["method"] == "dr"


BAD = [
    # (what is wrong, the description, the start of the message)
    ("not a dictionary", ["web"], "lvs_cluster=['web']: must be a dictionary"),
    ("an unknown top-level key", with_change(("service",), []), "lvs_cluster.service=[]"),
    ("no services", with_change(("services",), []), "lvs_cluster.services=[]: at least one"),
    ("no public interface", with_change(("routers", "public_interface"), DELETE),
     "lvs_cluster.routers.public_interface=None: is required"),
    ("an interface name with a space", with_change(("routers", "public_interface"), "eth 0"),
     "lvs_cluster.routers.public_interface='eth 0': is not an interface name"),
    ("NAT without the floating address", with_change(("routers", "nat_address"), DELETE),
     "lvs_cluster.routers.nat_address=None: is required: service web forwards by NAT"),
    ("NAT without a private interface", with_change(("routers", "private_interface"), DELETE),
     "lvs_cluster.routers.private_interface=None: is required"),
    ("a NAT address that is no address", with_change(("routers", "nat_address"), "198.51.100/24"),
     "lvs_cluster.routers.nat_address='198.51.100'"),
    ("a NAT prefix too long", with_change(("routers", "nat_address"), "198.51.100.1/33"),
     "lvs_cluster.routers.nat_address='33': must be between 1 and 32"),
    ("a service without a name", with_change(S0 + ("name",), DELETE),
     "lvs_cluster.services[0].name=None: is required"),
    ("two services of one name", with_change(("services", 1, "name"), "web"),
     "lvs_cluster.services[1].name='web': is already the name of services[0]"),
    ("a scheduler typo", with_change(S0 + ("scheduler",), "wrrr"),
     "lvs_cluster.services[0].scheduler='wrrr': must be one of rr, wrr"),
    ("a forwarding typo", with_change(S0 + ("forwarding",), "direct"),
     "lvs_cluster.services[0].forwarding='direct': must be one of nat, dr, tun"),
    ("a VIP that is no address", with_change(S0 + ("vip",), "192.0.2.300"),
     "lvs_cluster.services[0].vip='192.0.2.300': is not an IPv4 or IPv6 address"),
    ("a port out of range", with_change(S0 + ("port",), 70000),
     "lvs_cluster.services[0].port=70000: must be between 1 and 65535"),
    ("a protocol typo", with_change(S0 + ("protocol",), "tpc"),
     "lvs_cluster.services[0].protocol='tpc': must be one of tcp, udp, sctp"),
    ("vips on a service without a mark", with_change(S0 + ("vips",), ["192.0.2.11"]),
     "lvs_cluster.services[0].vips=['192.0.2.11']: only a firewall-mark service"),
    ("a mark of 0", with_change(("services", 1, "fwmark"), 0),
     "lvs_cluster.services[1].fwmark=0: must be between 1 and 4294967295"),
    ("two services on one mark", with_change(("services", 2, "fwmark"), 80),
     "lvs_cluster.services[2].fwmark=80: is already the mark of services[1] (bundle)"),
    ("mark ports overlapping another service",
     with_change(("services", 2), {"name": "ftp", "fwmark": 21, "vips": ["192.0.2.20"],
                                   "ports": [21, 443], "real_servers": [{"host": "rs2"}]}),
     "lvs_cluster.services[2]='ftp': claims tcp 192.0.2.20 port 443, which services[1] (bundle)"),
    ("a VIP and port listed twice",
     with_change(("services", 1), {"name": "web2", "vip": "192.0.2.10", "port": 80,
                                   "real_servers": [{"host": "rs3"}]}),
     "lvs_cluster.services[1]='web2': claims tcp 192.0.2.10 port 80, which services[0] (web)"),
    ("an empty port range", with_change(("services", 2, "ports"), [21, "20000-10000"]),
     "lvs_cluster.services[2].ports[1]='20000-10000': is an empty range"),
    ("a real server not in the inventory", with_change(RS0 + ("host",), "rs9"),
     "lvs_cluster.services[0].real_servers[0].host='rs9': is not a host of the inventory"),
    ("a real server host without an address", with_change(RS0 + ("host",), "noaddr"),
     "lvs_cluster.services[0].real_servers[0].host='noaddr': has no address"),
    ("a real server with host and address",
     with_change(RS0, {"host": "rs1", "address": "198.51.100.21"}),
     "lvs_cluster.services[0].real_servers[0]="),
    ("a real server listed twice",
     with_change(("services", 0, "real_servers", 1), {"host": "rs1", "port": 8080}),
     "lvs_cluster.services[0].real_servers[1]='198.51.100.21': is listed twice"),
    ("a weight that is not a number", with_change(RS0 + ("weight",), "heavy"),
     "lvs_cluster.services[0].real_servers[0].weight='heavy': must be an integer"),
    ("a negative weight", with_change(RS0 + ("weight",), -1),
     "lvs_cluster.services[0].real_servers[0].weight=-1: must be between 0 and 65535"),
    ("a threshold above what IPVS takes", with_change(RS0 + ("upper_threshold",), 70000),
     "lvs_cluster.services[0].real_servers[0].upper_threshold=70000: must be between 0 and 65535"),
    ("a dr port remap", with_change(("services", 1, "real_servers", 0, "port"), 8080),
     "lvs_cluster.services[1].real_servers[0].port=8080: only NAT can send to another port"),
    ("families mixed", with_change(("services", 0, "real_servers", 1), {"address": "2001:db8:51::21"}),
     "lvs_cluster.services[0].real_servers[1]='2001:db8:51::21': is ipv6 but the service's VIPs are ipv4"),
    ("a host without an address of the service's family", with_change(("services", 0, "real_servers", 1), {"host": "rs6"}),
     "lvs_cluster.services[0].real_servers[1].host='rs6': has no ipv4 address (it has 2001:db8:51::21)"),
    ("a persistence netmask wider than IPv4 allows",
     with_change(("services", 1, "persistence", "netmask"), "33"),
     "lvs_cluster.services[1].persistence.netmask='33': must be between 1 and 32"),
    ("a persistence prefix wider than IPv6 allows",
     with_change(("services", 1, "persistence", "ipv6_netmask"), 129),
     "lvs_cluster.services[1].persistence.ipv6_netmask='129': must be between 1 and 128"),
    ("an IPv6 netmask on an IPv4-only service",
     with_change(("services", 2, "persistence"), {"timeout": 60, "ipv6_netmask": 64}),
     "lvs_cluster.services[2].persistence.ipv6_netmask=64: is for ipv6 VIPs"),
    ("persistence without a timeout", with_change(("services", 1, "persistence"), {"netmask": 24}),
     "lvs_cluster.services[1].persistence.timeout=None: is required"),
    ("a tunnel on a NAT service", with_change(S0 + ("tunnel",), {"type": "ipip"}),
     "lvs_cluster.services[0].tunnel={'type': 'ipip'}: is only for forwarding: tun"),
    ("a tunnel type typo", with_change(("services", 2, "tunnel", "type"), "ipipp"),
     "lvs_cluster.services[2].tunnel.type='ipipp': must be one of ipip, gue, gre"),
    ("a service without real servers", with_change(S0 + ("real_servers",), []),
     "lvs_cluster.services[0].real_servers=[]: at least one real server"),
    ("an unknown real-server option", with_change(RS0 + ("wieght",), 2),
     "lvs_cluster.services[0].real_servers[0].wieght=2: is not an option here"),
    ("a health check that is not a dictionary", with_change(S0 + ("health_check",), "http"),
     "lvs_cluster.services[0].health_check='http': must be a dictionary"),
    # issue 16, defect 6: what was accepted, or named a path the description does not have
    ("a GUE tunnel (no real-server side for it)", with_change(("services", 2, "tunnel", "type"), "gue"),
     "lvs_cluster.services[2].tunnel.type='gue': the real_server role decapsulates IP-in-IP only"),
    ("a GRE tunnel (no real-server side for it)", with_change(("services", 2, "tunnel", "type"), "gre"),
     "lvs_cluster.services[2].tunnel.type='gre': the real_server role decapsulates IP-in-IP only"),
    ("a persistence timeout of 0 (a service without persistence)",
     with_change(("services", 1, "persistence", "timeout"), 0),
     "lvs_cluster.services[1].persistence.timeout=0: must be between 1 and 2678400"),
    ("a NAT address without its prefix", with_change(("routers", "nat_address"), "198.51.100.1"),
     "lvs_cluster.routers.nat_address='198.51.100.1': must be ADDRESS/PREFIX"),
    ("a service name with a quote", with_change(S0 + ("name",), "we'b"),
     "lvs_cluster.services[0].name=\"we'b\": must be 1 to 63 of lower-case letters"),
    ("scheduler flags as a string", with_change(S0 + ("scheduler_flags",), "sh-port"),
     "lvs_cluster.services[0].scheduler_flags='sh-port': must be a list"),
    ("a scheduler flag typo", with_change(S0 + ("scheduler_flags",), ["sh-prot"]),
     "lvs_cluster.services[0].scheduler_flags='sh-prot': must be one of"),
    # checked by ipvs_service's code when it builds the service, named by the description
    ("a scheduler flag the scheduler does not take", with_change(S0 + ("scheduler_flags",), ["sh-port"]),
     "lvs_cluster.services[0].scheduler_flags='sh-port': does not fit the scheduler wrr"),
    ("a lower threshold above the upper",
     with_change(RS0, {"host": "rs1", "port": 8080, "upper_threshold": 10, "lower_threshold": 20}),
     "lvs_cluster.services[0].real_servers[0].lower_threshold=20: the lower threshold (20) is "
     "above the upper threshold (10)"),
    ("thresholds of the IPv6 real server of a dual-stack mark",
     with_change(("services", 1, "real_servers", 2), {"host": "rs6", "upper_threshold": 5,
                                                      "lower_threshold": 6}),
     "lvs_cluster.services[1].real_servers[2].lower_threshold=6: the lower threshold (6)"),
    ("a persistence netmask that is no netmask",
     with_change(("services", 1, "persistence", "netmask"), "255.0.255.0"),
     "lvs_cluster.services[1].persistence.netmask='255.0.255.0': must be a contiguous"),
]


@pytest.mark.parametrize("description, expected", [case[1:] for case in BAD],
                         ids=[case[0] for case in BAD])
def test_a_bad_description_is_refused_by_path_and_value(description, expected):
    with pytest.raises(ClusterError) as caught:
        load(description, HOSTS)
    assert str(caught.value).startswith(expected), str(caught.value)


def test_at_least_25_distinct_bad_descriptions_are_tested():
    assert len({case[0] for case in BAD}) == len(BAD) >= 25


def test_the_example_itself_is_good_and_not_changed_by_loading():
    before = copy.deepcopy(CLUSTER)
    load(CLUSTER, HOSTS)
    assert CLUSTER == before


def test_the_reference_documents_every_key():
    from pathlib import Path

    reference = (Path(__file__).resolve().parents[4] / "docs" / "cluster-model.md").read_text()
    for key in cluster_schema.ROUTER_KEYS + cluster_schema.SERVICE_KEYS + cluster_schema.REAL_SERVER_KEYS:
        assert "`%s`" % key in reference, key


def test_a_dual_stack_host_serves_each_family_of_a_mark_with_its_own_address():
    hosts = dict(HOSTS, rs1=["198.51.100.21", "2001:DB8:51::31"])
    cluster = load(CLUSTER, hosts)
    bundle = [entry for entry in ipvs_services(cluster) if entry.get("fwmark") == 80]
    by_family = dict((entry["family"], [d["address"] for d in entry["destinations"]]) for entry in bundle)
    assert by_family == {"ipv4": ["198.51.100.21", "198.51.100.23"], "ipv6": ["2001:db8:51::31", "2001:db8:51::21"]}
    # the host carries the VIPs of both families; an IPv4-only host only the IPv4 one
    view = real_server_view(cluster, ["198.51.100.21", "2001:db8:51::31"])
    assert view["dr_vips"] == ["192.0.2.20", "2001:db8:2::20"]
    assert real_server_view(cluster, "198.51.100.23")["dr_vips"] == ["192.0.2.20"]
    # a NAT service (IPv4) uses only the host's IPv4 address
    web = [entry for entry in ipvs_services(cluster) if entry.get("port") == 80][0]
    assert [d["address"] for d in web["destinations"]] == ["198.51.100.21", "198.51.100.22"]


def _walk(description, path):
    """The item at a message's path (lvs_cluster.services[1].persistence.timeout), or a
    KeyError/IndexError/TypeError when the description has no such place."""
    assert path.startswith("lvs_cluster"), path
    item = description
    for key, index in re.findall(r"\.([a-z0-9_]+)|\[(\d+)\]", path[len("lvs_cluster"):]):
        item = item[key] if key else item[int(index)]
    return item


@pytest.mark.parametrize("description, expected", [case[1:] for case in BAD],
                         ids=[case[0] for case in BAD])
def test_every_refusal_names_a_place_the_description_has(description, expected):
    """The path of each message leads into the description the user wrote: to the bad
    item, or (for one that is required and missing) to the dictionary that lacks it."""
    with pytest.raises(ClusterError) as caught:
        load(description, HOSTS)
    path = str(caught.value).split("=", 1)[0]
    try:
        _walk(description, path)
    except KeyError:
        parent = path.rsplit(".", 1)[0]
        assert isinstance(_walk(description, parent), dict), path
        assert "is required" in str(caught.value), caught.value


def test_every_option_ipvs_service_can_name_has_a_path_in_the_description():
    """Each option name the module's checks can fail on (o("...") and the threshold and
    tunnel loops of ipvs_model.py) is mapped to the description's path, or is one the model
    never sets (then no entry of the model's IPVS table carries it)."""
    source = Path(ipvs_model.__file__).read_text()
    named = set(re.findall(r'\bo\("([a-z_]+)"\)', source))
    named |= set(re.findall(r'\(\("([a-z_]+)", [a-z_]+\)', source))
    mapped = (set(cluster_ipvs.SERVICE_OPTION_PATHS) | set(cluster_ipvs.MARK_OPTION_PATHS)
              | set(cluster_ipvs.IPV6_OPTION_PATHS) | set(cluster_ipvs.DESTINATION_OPTIONS)
              | set(cluster_ipvs.DESTINATION_SERVICE_PATHS) | {"address"})
    never_set = {"persistence_engine", "one_packet", "state"}
    assert named >= {"weight", "lower_threshold", "tunnel_port", "persistence_netmask"}, named
    assert named - mapped == never_set
    for entry in ipvs_services(load(CLUSTER, HOSTS)):
        assert not never_set & (set(entry) | {key for d in entry["destinations"] for key in d})
