"""What the router role writes for the next boot, rendered from the cluster model: the IPVS
table for ipvsadm-restore and the nftables file (marks, NAT masquerading)."""

from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm, router_nftables
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_router_projection import (
    fwmark_rules,
    ipvs_services,
)

from test_cluster_model import CLUSTER, HOSTS


def test_rules_file_is_the_table_in_ipvsadm_save_form():
    text = ipvsadm.render_rules_file(ipvs_services(load(CLUSTER, HOSTS)))
    assert text.splitlines() == [
        "-A -t 192.0.2.10:80 -s wrr",
        "-a -t 192.0.2.10:80 -r 198.51.100.21:8080 -m -w 3 -x 0 -y 0",
        "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 1 -x 0 -y 0",
        "-A -f 21 -s wlc",
        "-a -f 21 -r 198.51.100.23:0 -i -w 1 -x 0 -y 0 --tun-type ipip",
        "-A -f 80 -s wlc -p 300 -M 255.255.255.0",
        "-a -f 80 -r 198.51.100.21:0 -g -w 1 -x 0 -y 0",
        "-a -f 80 -r 198.51.100.23:0 -g -w 1 -x 0 -y 0",
        "-A -f 80 -6 -s wlc -p 300 -M 64",
        "-a -f 80 -6 -r [2001:db8:51::21]:0 -g -w 1 -x 0 -y 0",
    ]


def test_rules_file_parses_back_to_the_same_table():
    """What ipvsadm-restore reads at boot is the table the module converges to."""
    services = ipvs_services(load(CLUSTER, HOSTS))
    text = ipvsadm.render_rules_file(services)
    assert ipvsadm.render_save(ipvsadm.parse_save(text)) == text


def test_empty_table_is_an_empty_file():
    assert ipvsadm.render_rules_file([]) == ""


def test_nftables_file_replaces_each_table_whole():
    cluster = load(CLUSTER, HOSTS)
    text = router_nftables.render(fwmark_rules(cluster), cluster.routers.nat_address, "vec1")
    lines = text.splitlines()
    assert lines[0] == "#!/usr/sbin/nft -f"
    # every table of the collection's is declared, then deleted, then (maybe) rebuilt, so
    # the file loads whether or not the table exists and leaves no stale rule
    for family, table in (("inet", "lvs_cluster_fwmark"), ("ip", "lvs_cluster_nat"),
                          ("ip6", "lvs_cluster_nat")):
        declared = lines.index("table %s %s" % (family, table))
        assert lines[declared + 1] == "delete table %s %s" % (family, table)
    assert '\t\tip saddr 198.51.100.0/24 oifname "vec1" masquerade' in lines
    assert "table ip6 lvs_cluster_nat {" not in lines
    assert any("dport { 21, 10000-20000 } meta mark set 0x00000015" in line for line in lines)


def test_nftables_file_without_nat_or_marks_removes_the_tables():
    text = router_nftables.render([], None, "vec1")
    assert "{" not in text
    assert text.count("delete table") == 3


# As `nft list table ip lvs_cluster_nat` printed it on the lab's router (nftables 1.0.6)
# after loading the file (the file's table is the nat_masquerade module's).
LISTED_NAT_TABLE = (
    "table ip lvs_cluster_nat {\n"
    '\tcomment "lvs.cluster: NAT real servers reach the outside through the router"\n'
    "\tchain postrouting {\n"
    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
    '\t\tip saddr 198.51.100.0/24 oifname "vec0" masquerade\n'
    "\t}\n"
    "}\n"
)


def test_nat_tables_are_what_nft_lists_and_what_the_file_loads():
    tables = router_nftables.nat_tables(("198.51.100.254", 24, "ipv4"), "vec0")
    assert tables == {"ip": LISTED_NAT_TABLE, "ip6": ""}
    assert LISTED_NAT_TABLE in router_nftables.render([], ("198.51.100.254", 24, "ipv4"), "vec0")


def test_nat_tables_ipv6_and_none():
    tables = router_nftables.nat_tables(("2001:db8:100::fe", 64, "ipv6"), "vec0")
    assert tables["ip"] == ""
    assert '\t\tip6 saddr 2001:db8:100::/64 oifname "vec0" masquerade\n' in tables["ip6"]
    assert router_nftables.nat_tables(None, "vec0") == {"ip": "", "ip6": ""}
