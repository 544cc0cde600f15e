"""arp_suppression: parse recorded arptables / nft listings, plan, render, validate."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import arp_suppression as arp
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

from recorded import ARP_FWMARK as FIXTURES, section

VIP1, VIP2, RIP = "192.0.2.10", "192.0.2.20", "198.51.100.21"


@pytest.mark.parametrize("flavour", ["legacy", "nft"])
@pytest.mark.parametrize("numbers", ["", " --line-numbers"])
def test_arptables_listing_both_backends(flavour, numbers):
    state = arp.read_arptables(section("arptables-%s.txt" % flavour, "arptables-%s -L -n%s" % (flavour, numbers)))
    assert state.drops == {VIP1, VIP2}
    assert state.mangles == {(VIP1, RIP), (VIP2, RIP)}
    assert state.jumps == {"INPUT": 1, "OUTPUT": 1}
    assert state.chains == {arp.CHAIN_IN, arp.CHAIN_OUT}
    # the duplicate drop (3rd rule) and the foreign-shaped ACCEPT (3rd rule) are stale
    assert [(s["chain"], s["number"], s["rule"]) for s in state.stale] == [
        (arp.CHAIN_IN, 3, "-j DROP -d 192.0.2.10"),
        (arp.CHAIN_OUT, 3, "-j ACCEPT -s 192.0.2.30"),
    ]
    assert state.vips() == {VIP1: RIP, VIP2: RIP}


def test_legacy_and_nft_listings_parse_alike():
    legacy = arp.parse_arptables_list(section("arptables-legacy.txt", "arptables-legacy -L -n"))
    nft = arp.parse_arptables_list(section("arptables-nft.txt", "arptables-nft -L -n"))
    # legacy lists an (empty) FORWARD chain and ends rules with a blank; nft does neither
    assert "FORWARD" in legacy and "FORWARD" not in nft
    legacy.pop("FORWARD")
    assert legacy == nft
    # another tool's rule is seen, never taken as ours
    assert nft["INPUT"] == ["-j LVS_CLUSTER_VIP_IN", "-j DROP -s 192.0.2.99"]


@pytest.mark.parametrize("flavour", ["legacy", "nft"])
def test_empty_listing_is_absent(flavour):
    state = arp.read_arptables(section("arptables-%s.txt" % flavour, "arptables-%s -L -n (empty)" % flavour))
    assert not state.present and state.drops == set() and state.jumps == {"INPUT": 0, "OUTPUT": 0}
    desired = arp.desired_state(state, [], None, "absent", False)
    assert arp.plan_arptables(state, desired) == []


def test_plan_cleans_stale_and_keeps_others_rules():
    state = arp.read_arptables(section("arptables-legacy.txt", "arptables-legacy -L -n --line-numbers"))
    desired = arp.desired_state(state, [VIP1, VIP2], RIP, "present", False)
    # nothing to add; the two stale rules go, highest number first, by number
    assert arp.plan_arptables(state, desired) == [
        ["-D", arp.CHAIN_IN, "3"],
        ["-D", arp.CHAIN_OUT, "3"],
    ]


def test_plan_modify_adds_before_deleting():
    state = arp.read_arptables(section("arptables-nft.txt", "arptables-nft -L -n"))
    desired = arp.desired_state(state, [VIP2], "198.51.100.22", "present", True)
    assert arp.plan_arptables(state, desired) == [
        ["-A", arp.CHAIN_OUT, "-j", "mangle", "-s", VIP2, "--mangle-ip-s", "198.51.100.22"],
        ["-D", arp.CHAIN_IN, "3"], ["-D", arp.CHAIN_IN, "1"],
        ["-D", arp.CHAIN_OUT, "3"], ["-D", arp.CHAIN_OUT, "2"], ["-D", arp.CHAIN_OUT, "1"],
    ]
    assert desired.vips() == {VIP2: "198.51.100.22"}


def test_plan_create_from_empty_and_remove_all():
    empty = arp.read_arptables(section("arptables-legacy.txt", "arptables-legacy -L -n (empty)"))
    desired = arp.desired_state(empty, [VIP1], RIP, "present", False)
    assert arp.plan_arptables(empty, desired) == [
        ["-N", arp.CHAIN_IN], ["-N", arp.CHAIN_OUT],
        ["-A", arp.CHAIN_IN, "-j", "DROP", "-d", VIP1],
        ["-A", arp.CHAIN_OUT, "-j", "mangle", "-s", VIP1, "--mangle-ip-s", RIP],
        ["-I", "INPUT", "1", "-j", arp.CHAIN_IN],
        ["-I", "OUTPUT", "1", "-j", arp.CHAIN_OUT],
    ]
    full = arp.read_arptables(section("arptables-legacy.txt", "arptables-legacy -L -n"))
    gone = arp.desired_state(full, [], None, "absent", False)
    assert arp.plan_arptables(full, gone) == [
        ["-D", "INPUT", "-j", arp.CHAIN_IN], ["-D", "OUTPUT", "-j", arp.CHAIN_OUT],
        ["-F", arp.CHAIN_IN], ["-F", arp.CHAIN_OUT], ["-X", arp.CHAIN_IN], ["-X", arp.CHAIN_OUT],
    ]


def test_absent_one_vip_keeps_the_other():
    full = arp.read_arptables(section("arptables-legacy.txt", "arptables-legacy -L -n"))
    desired = arp.desired_state(full, [VIP1], None, "absent", False)
    assert desired.vips() == {VIP2: RIP}
    plan = arp.plan_arptables(full, desired)
    assert plan == [["-D", arp.CHAIN_IN, "3"], ["-D", arp.CHAIN_IN, "1"],
                    ["-D", arp.CHAIN_OUT, "3"], ["-D", arp.CHAIN_OUT, "1"]]


def test_converged_state_plans_nothing():
    # the listing arptables prints after the plan ran, as the module would read it
    listing = ("Chain INPUT (policy ACCEPT)\n-j LVS_CLUSTER_VIP_IN \n-j DROP -s 192.0.2.99 \n\n"
               "Chain OUTPUT (policy ACCEPT)\n-j LVS_CLUSTER_VIP_OUT \n\n"
               "Chain LVS_CLUSTER_VIP_IN (1 references)\n-j DROP -d 192.0.2.10 \n\n"
               "Chain LVS_CLUSTER_VIP_OUT (1 references)\n-j mangle -s 192.0.2.10 --mangle-ip-s 198.51.100.21 \n")
    state = arp.read_arptables(listing)
    assert arp.plan_arptables(state, arp.desired_state(state, [VIP1], RIP, "present", True)) == []
    # a second jump (someone ran the guide by hand twice) is removed
    doubled = arp.read_arptables(listing.replace("-j LVS_CLUSTER_VIP_IN \n", "-j LVS_CLUSTER_VIP_IN \n-j LVS_CLUSTER_VIP_IN \n"))
    assert arp.plan_arptables(doubled, arp.desired_state(doubled, [VIP1], RIP, "present", False)) == [
        ["-D", "INPUT", "-j", arp.CHAIN_IN]]


def test_nft_canonical_table():
    state = arp.parse_nft_json(section("nft-arp.txt", "canonical"))
    assert state.present and state.stale == []
    assert state.vips() == {VIP1: RIP, VIP2: RIP}
    desired = arp.desired_state(state, [VIP1, VIP2], RIP, "present", False)
    assert not arp.nft_needs_change(state, desired)
    assert arp.nft_script(state, desired) .startswith("table arp lvs_cluster_vip\ndelete table arp lvs_cluster_vip\n")


def test_nft_hand_edited_table_is_stale():
    state = arp.parse_nft_json(section("nft-arp.txt", "edited"))
    # a drop without the htype/hlen/plen guard, and a second mangle for 192.0.2.10
    assert [item["handle"] for item in state.stale] == [7, 8]
    assert state.vips() == {VIP1: RIP, VIP2: RIP}
    desired = arp.desired_state(state, [VIP1, VIP2], RIP, "present", False)
    assert arp.nft_needs_change(state, desired)


def test_nft_render_matches_what_nft_lists():
    """What we write is what nft gives back (the recording was made from this text)."""
    state = arp.ArpState(drops={VIP1, VIP2}, mangles={(VIP1, RIP), (VIP2, RIP)}, present=True)
    text = arp.render_nft_table(state)
    assert 'arp htype 1 arp hlen 6 arp plen 4 arp daddr ip 192.0.2.10 drop comment "lvs.cluster vip 192.0.2.10"' in text
    assert "arp saddr ip 192.0.2.20 arp saddr ip set 198.51.100.21" in text
    recorded = (FIXTURES / "record.sh").read_text(encoding="utf-8")
    for line in text.splitlines()[1:-1]:
        assert line.strip() in recorded


def test_nft_absent_and_remove():
    absent = arp.parse_nft_json("")
    assert not absent.present
    assert arp.nft_script(absent, arp.desired_state(absent, [], None, "absent", False)) == ""
    full = arp.parse_nft_json(section("nft-arp.txt", "canonical"))
    assert arp.nft_script(full, arp.desired_state(full, [], None, "absent", True)) == "delete table arp lvs_cluster_vip\n"


@pytest.mark.parametrize("vips, real_ip, state, message", [
    (["192.0.2.300"], RIP, "present", "vips[0]='192.0.2.300': is not an IPv4 or IPv6 address"),
    (["2001:db8::10"], RIP, "present", "vips[0]='2001:db8::10': is an IPv6 address"),
    ([VIP1], "2001:db8::21", "present", "real_ip='2001:db8::21': is an IPv6 address"),
    ([VIP1], None, "present", "real_ip=None: state=present needs"),
    ([], RIP, "present", "vips=[]: state=present needs at least one VIP"),
    ([VIP1], VIP1, "present", "real_ip='192.0.2.10': is also listed in vips"),
    (["127.0.0.1"], RIP, "present", "vips[0]='127.0.0.1': cannot be a VIP"),
    (["192.0.2.0/24"], RIP, "present", "vips[0]='192.0.2.0/24': is not an IPv4 or IPv6 address"),
    ([VIP1], RIP, "gone", "state='gone': must be one of present, absent"),
])
def test_bad_input_names_option_and_value(vips, real_ip, state, message):
    with pytest.raises(ValidationError) as error:
        arp.validate(vips, real_ip, state)
    assert str(error.value).startswith(message)


def test_validate_normalises_and_dedups():
    assert arp.validate([" 192.0.2.10", "192.0.2.10", VIP2], RIP, "present") == ([VIP1, VIP2], RIP, "present")
    assert arp.validate([], None, "absent") == ([], None, "absent")


def test_lab_kernel_has_the_nft_families():
    """Pinned fact: the fixtures were recorded on a kernel with every family the modules use."""
    lines = (FIXTURES / "lab-kernel-nft-families.txt").read_text(encoding="utf-8").splitlines()
    for family in ("arp", "ip", "ip6", "inet"):
        assert "%s supported" % family in lines
    assert "arptables-nft works" in lines
