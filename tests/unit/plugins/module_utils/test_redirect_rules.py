"""redirect_rules on the listings recorded from the host's kernel (tests/unit/fixtures/redirect,
written by its record.sh in a private network namespace): parsing as data, what is wanted
for add / change / remove / purge / absent, the nft script and the restore inputs, the boot
files, bad input."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import redirect_rules as rr
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

from recorded import FIXTURES, section

REDIRECT = FIXTURES / "redirect"
V4, V4B, V6, V6B = "192.0.2.10", "192.0.2.20", "2001:db8:2::10", "2001:db8:2::20"
TABLE = ("table inet lvs_cluster_redirect {\n"
         '\tcomment "managed by lvs.cluster (vip_redirect)"\n'
         "\tchain prerouting {\n"
         "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
         "\t\tip daddr 192.0.2.10 redirect\n"
         "\t\tip6 daddr 2001:db8:2::10 redirect\n"
         "\t}\n"
         "}\n")


def nft(title):
    return rr.parse_nft_json(section("nft-redirect.txt", title, REDIRECT))


def ipt(flavour, suffix=""):
    """The RedirectState of both families as recorded with ip[6]tables-FLAVOUR-save -t nat."""
    chains = {}
    for family, tool in rr.IPT_TOOL.items():
        text = section("iptables-%s-nat.txt" % flavour, "%s-%s-save -t nat%s" % (tool, flavour, suffix), REDIRECT)
        chains[family] = rr.parse_iptables_save(text, family)
    return rr.merge_families(chains)


# ---------------------------------------------------------------- input

def test_vips_are_validated_normalised_sorted_and_counted_once():
    vips, state = rr.validate(["2001:DB8:2:0::10", "192.0.2.20", " 192.0.2.10", "[2001:db8:2::10]"], "present")
    assert vips == [V4, V4B, V6] and state == "present"
    assert rr.validate([], "absent") == ([], "absent")


@pytest.mark.parametrize("vips, state, message", [
    (["lb.example"], "present", "vips[0]='lb.example': is not an IPv4 or IPv6 address (host names are not accepted)"),
    ([V4, "127.0.0.1"], "present", "vips[1]='127.0.0.1': cannot be a VIP"),
    (["::"], "present", "vips[0]='::': cannot be a VIP"),
    (["ff02::1"], "absent", "vips[0]='ff02::1': cannot be a VIP"),
    (["255.255.255.255"], "present", "vips[0]='255.255.255.255': cannot be a VIP"),
    (["192.0.2.0/24"], "present", "vips[0]='192.0.2.0/24': is not an IPv4 or IPv6 address"),
    ([], "present", "vips=[]: state=present needs at least one VIP"),
    ([V4], "gone", "state='gone': must be one of present, absent"),
])
def test_bad_input_is_named_with_its_option_and_value(vips, state, message):
    with pytest.raises(ValidationError) as error:
        rr.validate(vips, state)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("vips, state, purge, wanted", [
    ([V6], "present", False, [V4, V4B, V6]),        # add: the others stay
    ([V4], "present", False, [V4, V4B]),            # already there
    ([V4, V6], "present", True, [V4, V6]),          # change: purge drops .20
    ([V4B], "absent", False, [V4]),                 # remove one
    ([V6], "absent", False, [V4, V4B]),             # remove one that is not there
    ([V4], "absent", True, []),                     # absent + purge: everything
    ([], "absent", False, []),                      # absent without VIPs: everything
])
def test_what_is_wanted(vips, state, purge, wanted):
    assert rr.desired_vips([V4, V4B], vips, state, purge) == wanted


# ---------------------------------------------------------------- nftables

def test_nft_canonical_table_is_read_as_data():
    state = nft("canonical")
    assert state.present and state.vips == [V4, V4B, V6] and state.stale == []
    assert not rr.nft_needs_change(state, [V4, V4B, V6])
    assert rr.nft_needs_change(state, [V4, V6])


def test_nft_hand_edits_are_stale_and_the_canonical_rules_kept():
    state = nft("edited")
    assert state.vips == [V4, V4B, V6]
    # the extra chain, the repeated VIP (a counter does not make it another rule), the port
    # redirect, the prefix
    assert [item.get("handle") for item in state.stale] == [None, 5, 6, 7]
    assert state.stale[0]["rule"].startswith('chains {"output"')
    assert rr.nft_needs_change(state, [V4, V4B, V6])
    wrong = nft("wrong priority")
    assert wrong.vips == [V4] and len(wrong.stale) == 1 and rr.nft_needs_change(wrong, [V4])


def test_nft_absent_table():
    state = rr.parse_nft_json("")
    assert not state.present and state.vips == [] and state.stale == []
    assert not rr.nft_needs_change(state, []) and rr.nft_needs_change(state, [V4])
    assert rr.nft_script(state, []) == ""


def test_nft_script_replaces_or_deletes_the_whole_table():
    assert rr.render_nft_table([V6, V4]) == TABLE
    assert rr.nft_script(nft("edited"), [V4, V6]) == (
        "table inet lvs_cluster_redirect\ndelete table inet lvs_cluster_redirect\n" + TABLE)
    assert rr.nft_script(nft("canonical"), []) == "delete table inet lvs_cluster_redirect\n"


def test_nft_diff_text():
    assert rr.render_nft_current(nft("canonical")) == rr.render_nft_table([V4, V4B, V6])
    edited = rr.render_nft_current(nft("edited"))
    assert edited.count("# stale in prerouting: ") == 3 and "# stale in *: chains" in edited
    assert rr.render_nft_current(rr.parse_nft_json("")) == ""


def test_nft_output_that_is_not_json_is_a_read_failure():
    with pytest.raises(CommandError, match="printed what is not JSON"):
        rr.parse_nft_json("table inet lvs_cluster_redirect {\n")


# ---------------------------------------------------------------- iptables

@pytest.mark.parametrize("flavour", ["legacy", "nft"])
def test_ipt_canonical_chains_need_nothing(flavour):
    state = ipt(flavour)
    assert state.present and state.vips == [V4, V4B, V6, V6B] and state.stale == []
    assert all(rr.ipt_restore_payload(state, state.vips, family) == "" for family in rr.IPT_TOOL)
    assert rr.render_ipt_current(state) == rr.render_ipt(state.vips)


@pytest.mark.parametrize("flavour", ["legacy", "nft"])
def test_ipt_a_changed_family_is_refilled_and_the_other_left_alone(flavour):
    state = ipt(flavour)
    wanted = rr.desired_vips(state.vips, [V4, V6, V6B], "present", True)
    assert rr.ipt_restore_payload(state, wanted, "ipv4") == (
        "*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n-A LVS_CLUSTER_REDIRECT -d 192.0.2.10/32 -j REDIRECT\nCOMMIT\n")
    assert rr.ipt_restore_payload(state, wanted, "ipv6") == ""


@pytest.mark.parametrize("flavour", ["legacy", "nft"])
def test_ipt_hand_edits_are_stale_and_healed_in_one_restore_per_family(flavour):
    state = ipt(flavour, " (edited)")
    assert state.vips == [V4, V4B, V6, V6B]
    v4 = [item for item in state.stale if item["family"] == "ipv4"]
    assert v4 == [
        {"family": "ipv4", "chain": "LVS_CLUSTER_REDIRECT", "rule": "-d 192.0.2.10/32 -j REDIRECT"},
        {"family": "ipv4", "chain": "LVS_CLUSTER_REDIRECT", "rule": "-d 192.0.2.30/32 -p tcp -j REDIRECT --to-ports 8080"},
        {"family": "ipv4", "chain": "PREROUTING", "rule": "-i lo -j LVS_CLUSTER_REDIRECT"},
        {"family": "ipv4", "chain": "PREROUTING", "number": 2, "rule": "-j LVS_CLUSTER_REDIRECT"},
        {"family": "ipv4", "chain": "PREROUTING", "number": 4, "rule": "-j LVS_CLUSTER_REDIRECT"},
    ]
    assert rr.ipt_restore_payload(state, state.vips, "ipv6") == (
        "*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n"
        "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::10/128 -j REDIRECT\n"
        "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::20/128 -j REDIRECT\n"
        "-D PREROUTING -i lo -j LVS_CLUSTER_REDIRECT\n"
        "-D PREROUTING -j LVS_CLUSTER_REDIRECT\n-D PREROUTING -j LVS_CLUSTER_REDIRECT\n"
        "-I PREROUTING 1 -j LVS_CLUSTER_REDIRECT\nCOMMIT\n")
    current = rr.render_ipt_current(state)
    assert "-A PREROUTING -j LVS_CLUSTER_REDIRECT  # rule 2 of PREROUTING, not first" in current
    assert "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::30/128 -p tcp -j REDIRECT --to-ports 8080  # stale" in current


@pytest.mark.parametrize("flavour", ["legacy", "nft"])
def test_ipt_created_next_to_another_tool_s_rule(flavour):
    state = ipt(flavour, " (another tool only)")
    assert not state.present and state.vips == [] and state.stale == []
    assert rr.ipt_restore_payload(state, [V4], "ipv4") == (
        "*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n-A LVS_CLUSTER_REDIRECT -d 192.0.2.10/32 -j REDIRECT\n"
        "-I PREROUTING 1 -j LVS_CLUSTER_REDIRECT\nCOMMIT\n")
    assert rr.ipt_restore_payload(state, [V4], "ipv6") == ""     # nothing there, nothing wanted
    assert rr.render_ipt_current(state) == ""


def test_ipt_removal_deletes_every_jump_then_the_chain():
    edited = ipt("legacy", " (edited)")
    assert rr.ipt_restore_payload(edited, [], "ipv4") == (
        "*nat\n-D PREROUTING -i lo -j LVS_CLUSTER_REDIRECT\n"
        "-D PREROUTING -j LVS_CLUSTER_REDIRECT\n-D PREROUTING -j LVS_CLUSTER_REDIRECT\n"
        "-F LVS_CLUSTER_REDIRECT\n-X LVS_CLUSTER_REDIRECT\nCOMMIT\n")
    assert rr.ipt_restore_payload(ipt("legacy"), [V4], "ipv6") == (
        "*nat\n-D PREROUTING -j LVS_CLUSTER_REDIRECT\n-F LVS_CLUSTER_REDIRECT\n-X LVS_CLUSTER_REDIRECT\nCOMMIT\n")


def test_ipt_a_lone_jump_that_is_not_first_is_moved_first():
    text = ("*nat\n:PREROUTING ACCEPT [0:0]\n:LVS_CLUSTER_REDIRECT - [0:0]\n"
            '-A PREROUTING -p tcp -m tcp --dport 8080 -m comment --comment "another tool" -j REDIRECT --to-ports 80\n'
            "-A PREROUTING -j LVS_CLUSTER_REDIRECT\n"
            "-A OUTPUT -g LVS_CLUSTER_REDIRECT\n"
            "-A LVS_CLUSTER_REDIRECT -d 192.0.2.10/32 -j REDIRECT\nCOMMIT\n"
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j LVS_CLUSTER_REDIRECT\nCOMMIT\n")
    chain = rr.parse_iptables_save(text, "ipv4")
    assert chain.jumps == [2] and chain.foreign == [("OUTPUT", "-g LVS_CLUSTER_REDIRECT")]
    state = rr.merge_families({"ipv4": chain, "ipv6": rr.FamilyChain()})
    assert rr.ipt_restore_payload(state, [V4], "ipv4").splitlines()[3:] == [
        "-D OUTPUT -g LVS_CLUSTER_REDIRECT", "-D PREROUTING -j LVS_CLUSTER_REDIRECT",
        "-I PREROUTING 1 -j LVS_CLUSTER_REDIRECT", "COMMIT"]


def test_ipt_rules_of_the_wrong_family_or_width_are_stale():
    text = ("*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n-A PREROUTING -j LVS_CLUSTER_REDIRECT\n"
            "-A LVS_CLUSTER_REDIRECT -d 192.0.2.0/24 -j REDIRECT\n"
            "-A LVS_CLUSTER_REDIRECT -d 2001:db8::1/128 -j REDIRECT\n"
            "-A LVS_CLUSTER_REDIRECT -d 192.0.2.10/32 -j REDIRECT\nCOMMIT\n")
    chain = rr.parse_iptables_save(text, "ipv4")
    assert chain.vips() == [V4] and [vip for _spec, vip in chain.rules] == [None, None, V4]
    assert not chain.canonical([V4])


# ---------------------------------------------------------------- boot files

def test_nft_boot_file_replaces_the_table_whole():
    text = rr.nft_boot_file([V4, V6])
    assert text == "table inet lvs_cluster_redirect\ndelete table inet lvs_cluster_redirect\n" + TABLE
    assert rr.nft_boot_file([]) == ""


def test_ipt_boot_file_per_family():
    assert rr.ipt_boot_file([V6B, V4, V6], "ipv6") == (
        "*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n"
        "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::10/128 -j REDIRECT\n"
        "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::20/128 -j REDIRECT\nCOMMIT\n")
    assert rr.ipt_boot_file([V6], "ipv4") == ""
    # the file's rules are the module's own: what save prints back after loading it
    assert ipt("legacy").families["ipv4"].rules == [
        (line[len("-A LVS_CLUSTER_REDIRECT "):], vip) for line, vip in
        zip(rr.ipt_boot_file([V4, V4B], "ipv4").splitlines()[2:4], [V4, V4B])]
