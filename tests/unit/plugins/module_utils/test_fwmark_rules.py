"""fwmark_rules: parse recorded nft / iptables listings, normalise, plan, validate."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import fwmark_rules as fw
from ansible_collections.lvs.cluster.plugins.module_utils.fwmark_rules import Rule
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError, port_ranges

from recorded import section

VIP = "192.0.2.10"
HTTP = Rule(80, "ipv4", VIP, "tcp", ((80, 80), (443, 443)))
FTP = Rule(21, "ipv4", VIP, "tcp", ((21, 21), (10000, 20000)))
DNS6 = Rule(4294967295, "ipv6", "2001:db8:2::10", "udp", ((53, 53),))


def test_ports_normalise():
    assert port_ranges("ports", [443, "80", "10000-20000", "21:21", "10500:10600"]) == (
        (21, 21), (80, 80), (443, 443), (10000, 20000))
    assert port_ranges("ports", ["80", 81, "82-90"]) == ((80, 90),)
    assert fw.ports_text(((21, 21), (10000, 20000)), ":") == "21,10000:20000"


@pytest.mark.parametrize("ports, message", [
    ([0], "ports[0]=0: is out of range (ports are 1..65535)"),
    (["65536"], "ports[0]='65536': is out of range"),
    (["20-10"], "ports[0]='20-10': is an empty range"),
    (["http"], "ports[0]='http': is not a port"),
    (["1-2-3"], "ports[0]='1-2-3': is not a port"),
    ([], "ports=[]: at least one port"),
])
def test_bad_ports(ports, message):
    with pytest.raises(ValidationError) as error:
        port_ranges("ports", ports)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("mark, message", [
    (0, "marks[0].fwmark=0: must be between 1 and 4294967295"),
    (2 ** 32, "marks[0].fwmark=4294967296: must be between 1 and 4294967295"),
    (-1, "marks[0].fwmark=-1: must be between 1 and 4294967295"),
    ("ten", "marks[0].fwmark='ten': must be an integer"),
    ("0x50", "marks[0].fwmark='0x50': must be an integer"),   # one form in every module: an integer
    (None, "marks[0].fwmark=None: must be an integer"),
])
def test_bad_marks(mark, message):
    with pytest.raises(ValidationError) as error:
        fw.validate([{"fwmark": mark, "vips": [VIP], "ports": [80]}], "present")
    assert str(error.value).startswith(message)


def test_other_bad_input():
    with pytest.raises(ValidationError, match=r"^marks\[0\].vips\[1\]='192.0.2.256': is not an IPv4 or IPv6 address"):
        fw.validate([{"fwmark": 1, "vips": [VIP, "192.0.2.256"], "ports": [80]}], "present")
    with pytest.raises(ValidationError, match=r"^marks\[0\].protocols\[0\]='icmp': must be one of tcp, udp, sctp"):
        fw.validate([{"fwmark": 1, "vips": [VIP], "protocols": ["icmp"], "ports": [80]}], "present")
    with pytest.raises(ValidationError, match=r"^marks\[1\].fwmark=1: is given twice"):
        fw.validate([{"fwmark": 1, "vips": [VIP], "ports": [80]},
                     {"fwmark": "1", "vips": [VIP], "ports": [81]}], "present")
    with pytest.raises(ValidationError, match=r"^marks\[0\].vips=None: at least one VIP"):
        fw.validate([{"fwmark": 1, "ports": [80]}], "present")
    with pytest.raises(ValidationError, match=r"^state='gone'"):
        fw.validate([], "gone")


def test_entry_rules_product():
    rules = fw.entry_rules({"fwmark": 80, "vips": ["2001:DB8:2::10", VIP], "protocols": ["udp", "tcp"],
                            "ports": [443, 80]})
    assert [(r.mark, r.family, r.address, r.protocol) for r in rules] == [
        (80, "ipv4", VIP, "tcp"), (80, "ipv4", VIP, "udp"),
        (80, "ipv6", "2001:db8:2::10", "tcp"), (80, "ipv6", "2001:db8:2::10", "udp")]


def test_nft_canonical_recording():
    state = fw.parse_nft_json(section("nft-fwmark.txt", "canonical"))
    assert state.present and state.stale == []
    assert state.rules == [HTTP, FTP, DNS6, Rule(7, "ipv4", VIP, "sctp", ((9, 9),))]
    # the recorded table is in write order, not canonical order: a rewrite sorts it
    wanted = fw.validate([{"fwmark": 80, "vips": [VIP], "ports": [80, 443]}], "present")[1]
    desired = fw.desired_rules(state.rules, wanted, "present", False)
    assert desired == sorted(state.rules, key=fw.sort_key)
    assert fw.nft_needs_change(state, desired)
    assert not fw.nft_needs_change(fw.FwmarkState(rules=desired, present=True), desired)


def test_nft_edited_recording_has_stale_rule():
    state = fw.parse_nft_json(section("nft-fwmark.txt", "edited"))
    assert [item["handle"] for item in state.stale] == [8]   # no comment: not ours in shape
    assert len(state.rules) == 4


def test_nft_render_round_trip():
    text = fw.render_nft_table([FTP, HTTP, DNS6])
    assert 'ip daddr 192.0.2.10 tcp dport { 21, 10000-20000 } meta mark set 0x00000015 comment "lvs.cluster fwmark 21"' in text
    assert 'ip6 daddr 2001:db8:2::10 udp dport 53 meta mark set 0xffffffff comment "lvs.cluster fwmark 4294967295"' in text
    assert fw.nft_script(True, []) == "delete table inet lvs_cluster_fwmark\n"
    assert fw.nft_script(False, []) == ""


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_iptables_recordings(flavour):
    v4 = fw.parse_iptables_save(section("iptables-%s-mangle.txt" % flavour, "iptables-%s-save -t mangle" % flavour), "ipv4")
    v6 = fw.parse_iptables_save(section("iptables-%s-mangle.txt" % flavour, "ip6tables-%s-save -t mangle" % flavour), "ipv6")
    state = fw.merge_families(v4, v6)
    sctp = Rule(7, "ipv4", VIP, "sctp", tuple((p, p) for p in range(1, 32, 2)))
    # the two lines of mark 7 (multiport's 15-port limit) are one rule again
    assert state.rules == [sctp, FTP, HTTP, DNS6]
    assert [item["rule"] for item in state.stale] == ["-d 192.0.2.11/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x9/0xffffffff"]
    assert state.jumps == {"ipv4": 1, "ipv6": 1} and state.chains == {"ipv4", "ipv6"}
    # rendering gives back exactly the recorded lines (split at 15 ports as recorded)
    assert fw.ipt_lines([sctp], "ipv4") == v4.lines["ipv4"][2:4]
    assert fw.ipt_lines([HTTP], "ipv4") == v4.lines["ipv4"][0:1]
    assert fw.ipt_lines([DNS6], "ipv6") == v6.lines["ipv6"]
    # converged: the stale rule makes a rewrite of the v4 chain only
    desired = sorted(state.rules, key=fw.sort_key)
    payload4 = fw.ipt_restore_payload(state, desired, "ipv4")
    assert payload4.splitlines()[0:2] == ["*mangle", ":LVS_CLUSTER_FWMARK - [0:0]"]
    assert "8080" not in payload4 and "PREROUTING" not in payload4
    assert fw.ipt_restore_payload(state, desired, "ipv6") == ""


@pytest.mark.parametrize("flavour", ["nft", "legacy"])
def test_iptables_empty_and_removal(flavour):
    empty = fw.parse_iptables_save(section("iptables-%s-mangle.txt" % flavour, "iptables-%s-save -t mangle (empty)" % flavour), "ipv4")
    assert not empty.present and empty.rules == []
    assert fw.ipt_restore_payload(empty, [], "ipv4") == ""
    payload = fw.ipt_restore_payload(empty, [FTP], "ipv4")
    assert payload == ("*mangle\n:LVS_CLUSTER_FWMARK - [0:0]\n"
                       '-A LVS_CLUSTER_FWMARK -d 192.0.2.10/32 -p tcp -m multiport --dports 21,10000:20000 '
                       '-m comment --comment "lvs.cluster fwmark 21" -j MARK --set-xmark 0x15/0xffffffff\n'
                       "-I PREROUTING 1 -j LVS_CLUSTER_FWMARK\nCOMMIT\n")
    full = fw.parse_iptables_save(section("iptables-%s-mangle.txt" % flavour, "iptables-%s-save -t mangle" % flavour), "ipv4")
    assert fw.ipt_restore_payload(full, [], "ipv4") == ("*mangle\n-D PREROUTING -j LVS_CLUSTER_FWMARK\n"
                                                        "-F LVS_CLUSTER_FWMARK\n-X LVS_CLUSTER_FWMARK\nCOMMIT\n")


def test_desired_rules_semantics():
    current = [FTP, HTTP, DNS6]
    wanted = fw.validate([{"fwmark": 80, "vips": [VIP], "ports": [8080]}], "present")[1]
    changed = fw.desired_rules(current, wanted, "present", False)
    assert Rule(80, "ipv4", VIP, "tcp", ((8080, 8080),)) in changed and HTTP not in changed and FTP in changed
    assert fw.desired_rules(current, wanted, "present", True) == [Rule(80, "ipv4", VIP, "tcp", ((8080, 8080),))]
    gone = fw.validate([{"fwmark": 21}], "absent")[1]
    assert fw.desired_rules(current, gone, "absent", False) == [HTTP, DNS6]
    assert fw.desired_rules(current, {}, "absent", False) == []


def test_top_level_options_are_named_as_given():
    with pytest.raises(ValidationError, match=r"^fwmark='0': must be between"):
        fw.validate([{"fwmark": "0", "vips": [VIP], "ports": ["80"]}], "present", top_level=True)
    with pytest.raises(ValidationError, match=r"^ports\[1\]='70000': is out of range"):
        fw.validate([{"fwmark": "1", "vips": [VIP], "ports": ["80", "70000"]}], "present", top_level=True)
