"""vip_redirect through its entry point, on the listings recorded from the host's kernel
(tests/unit/fixtures/redirect): result keys and shapes, check mode predicting the commands,
diff mode, a second run changing nothing, each failure path; and as a part of drift and
converge."""

import pytest

from ansible_collections.lvs.cluster.plugins.modules import converge, drift, vip_redirect

from module_harness import LIST_RULESET, FakeRunner, ruleset, run_module, undocumented_keys
from recorded import FIXTURES, section

REDIRECT = FIXTURES / "redirect"
V4 = "192.0.2.10"
V4B = "192.0.2.20"
V6 = "2001:db8:2::10"
V6B = "2001:db8:2::20"
READ_NFT = LIST_RULESET


def nft_runner(title=None, **more):
    answers = {READ_NFT: ruleset(section("nft-redirect.txt", title, REDIRECT) if title else None),
               "nft -f -": (0, "", "")}
    answers.update(more)
    return FakeRunner(answers)


def ipt_runner(flavour="legacy", suffix="", **more):
    answers = {}
    for tool in ("iptables", "ip6tables"):
        save = "%s-%s-save -t nat" % (tool, flavour)
        answers[save] = (0, section("iptables-%s-nat.txt" % flavour, save + suffix, REDIRECT), "")
        answers["%s-%s-restore --noflush" % (tool, flavour)] = (0, "", "")
    answers.update(more)
    return FakeRunner(answers)


def writes(runner):
    return [(command, data) for command, data in runner.calls if "save" not in command and "-j list" not in command]


# ---------------------------------------------------------------- nftables

@pytest.mark.parametrize("check_mode", [True, False])
def test_nft_create(check_mode):
    runner = nft_runner()
    result = run_module(vip_redirect, {"vips": [V6, V4]}, runner, check_mode=check_mode, diff=True)
    assert not result["failed"] and result["changed"] and result["backend"] == "nftables"
    assert result["vips"] == [V4, V6] and result["before"] == {"vips": [], "stale": []}
    command, script = result["commands"][0].split("\n", 1)
    assert len(result["commands"]) == 1 and command == "nft -f -"
    assert script.startswith("table inet lvs_cluster_redirect\ndelete table inet lvs_cluster_redirect\n"
                             "table inet lvs_cluster_redirect {\n")
    assert "\t\tip daddr 192.0.2.10 redirect\n\t\tip6 daddr 2001:db8:2::10 redirect\n" in script
    assert result["diff"]["before"] == "" and script.endswith(result["diff"]["after"].rstrip("\n"))
    # check mode predicts exactly what the real run feeds nft
    assert writes(runner) == ([] if check_mode else [("nft -f -", script + "\n")])
    assert undocumented_keys(vip_redirect, result) == set()


def test_nft_second_run_changes_nothing():
    runner = nft_runner("canonical")
    result = run_module(vip_redirect, {"vips": [V4, V4B, V6]}, runner, diff=True)
    assert not result["failed"] and not result["changed"] and result["commands"] == []
    assert result["diff"]["before"] == result["diff"]["after"]
    assert runner.commands() == [READ_NFT]


@pytest.mark.parametrize("args, vips", [
    ({"vips": [V6B]}, [V4, V4B, V6, V6B]),                                  # add
    ({"vips": [V4, V6B], "purge": True}, [V4, V6B]),                        # change
    ({"vips": [V4B], "state": "absent"}, [V4, V6]),                         # remove one
])
def test_nft_plan(args, vips):
    runner = nft_runner("canonical")
    result = run_module(vip_redirect, args, runner)
    assert result["changed"] and result["vips"] == vips
    script = result["commands"][0].split("\n", 1)[1]
    assert [line.strip() for line in script.splitlines() if line.strip().endswith(" redirect")] == [
        "%s daddr %s redirect" % ("ip6" if ":" in vip else "ip", vip) for vip in vips]


@pytest.mark.parametrize("args", [{"state": "absent"}, {"vips": [V4], "state": "absent", "purge": True}])
def test_nft_absent_deletes_the_table_and_then_nothing(args):
    result = run_module(vip_redirect, args, nft_runner("edited"))
    assert result["changed"] and result["vips"] == []
    assert result["commands"] == ["nft -f -\ndelete table inet lvs_cluster_redirect"]
    assert len(result["before"]["stale"]) == 4
    again = run_module(vip_redirect, args, nft_runner())
    assert not again["changed"] and again["commands"] == []


def test_nft_hand_edits_are_healed_even_when_the_vips_are_as_wanted():
    result = run_module(vip_redirect, {"vips": [V4, V4B, V6]}, nft_runner("edited"), check_mode=True, diff=True)
    assert result["changed"] and result["vips"] == result["before"]["vips"] == [V4, V4B, V6]
    assert result["diff"]["before"].count("# stale") == 4 and "# stale" not in result["diff"]["after"]


def test_nft_refused_and_unreadable():
    runner = nft_runner(**{"nft -f -": (1, "", "Error: Could not process rule: No such file or directory\n")})
    result = run_module(vip_redirect, {"vips": [V4]}, runner)
    assert result["failed"] and not result["changed"] and result["applied"] == [] and result["rc"] == 1
    assert result["msg"].startswith("nft -f - failed (rc=1): Error: Could not process rule: No such file or directory;"
                                    " 0 of 1 commands applied before it.")
    assert "nft -f is one transaction: nothing of it was applied" in result["msg"]
    assert undocumented_keys(vip_redirect, result) == set()
    runner = FakeRunner({READ_NFT: (1, "", "Error: Protocol not supported\n")})
    result = run_module(vip_redirect, {"state": "absent"}, runner)
    assert result["failed"] and result["rc"] == 1
    assert result["msg"] == "reading the nftables table inet lvs_cluster_redirect failed: Error: Protocol not supported"


# ---------------------------------------------------------------- iptables

@pytest.mark.parametrize("flavour", ["legacy", "nft"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_ipt_create_next_to_another_tool(flavour, check_mode):
    runner = ipt_runner(flavour, " (another tool only)")
    result = run_module(vip_redirect, {"vips": [V4, V6], "backend": "iptables-" + flavour}, runner,
                        check_mode=check_mode, diff=True)
    assert not result["failed"] and result["changed"] and result["backend"] == "iptables-" + flavour
    assert result["commands"] == [
        "iptables-%s-restore --noflush\n*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n"
        "-A LVS_CLUSTER_REDIRECT -d 192.0.2.10/32 -j REDIRECT\n-I PREROUTING 1 -j LVS_CLUSTER_REDIRECT\nCOMMIT" % flavour,
        "ip6tables-%s-restore --noflush\n*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n"
        "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::10/128 -j REDIRECT\n-I PREROUTING 1 -j LVS_CLUSTER_REDIRECT\nCOMMIT"
        % flavour]
    assert result["diff"] == {"before": "", "after": (
        "# iptables -t nat\n-A PREROUTING -j LVS_CLUSTER_REDIRECT\n-A LVS_CLUSTER_REDIRECT -d 192.0.2.10/32 -j REDIRECT\n"
        "# ip6tables -t nat\n-A PREROUTING -j LVS_CLUSTER_REDIRECT\n"
        "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::10/128 -j REDIRECT\n")}
    predicted = [(c.split("\n", 1)[0], c.split("\n", 1)[1] + "\n") for c in result["commands"]]
    assert writes(runner) == ([] if check_mode else predicted)
    assert undocumented_keys(vip_redirect, result) == set()


@pytest.mark.parametrize("backend, tool", [("iptables", "iptables"), ("iptables-nft", "iptables-nft")])
def test_ipt_second_run_changes_nothing(backend, tool):
    answers = {}
    for family_tool in ("iptables", "ip6tables"):
        recorded = section("iptables-nft-nat.txt", "%s-nft-save -t nat" % family_tool, REDIRECT)
        answers[family_tool + tool[len("iptables"):] + "-save -t nat"] = (0, recorded, "")
    runner = FakeRunner(answers)
    result = run_module(vip_redirect, {"vips": [V4, V4B, V6, V6B], "backend": backend}, runner)
    assert not result["failed"] and not result["changed"] and result["commands"] == []
    assert result["before"] == {"vips": [V4, V4B, V6, V6B], "stale": []}


def test_ipt_only_the_family_that_changes_is_restored():
    result = run_module(vip_redirect, {"vips": [V6B], "state": "absent", "backend": "iptables-legacy"}, ipt_runner())
    assert result["changed"] and result["vips"] == [V4, V4B, V6]
    assert result["commands"] == ["ip6tables-legacy-restore --noflush\n*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n"
                                  "-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::10/128 -j REDIRECT\nCOMMIT"]


def test_ipt_absent_removes_chains_and_jumps_of_both_families():
    runner = ipt_runner("legacy", " (edited)")
    result = run_module(vip_redirect, {"state": "absent", "backend": "iptables-legacy"}, runner)
    assert result["changed"] and result["vips"] == [] and len(result["before"]["stale"]) == 10
    for command in result["commands"]:
        assert command.split("\n")[1:] == [
            "*nat", "-D PREROUTING -i lo -j LVS_CLUSTER_REDIRECT", "-D PREROUTING -j LVS_CLUSTER_REDIRECT",
            "-D PREROUTING -j LVS_CLUSTER_REDIRECT", "-F LVS_CLUSTER_REDIRECT", "-X LVS_CLUSTER_REDIRECT", "COMMIT"]
    again = run_module(vip_redirect, {"state": "absent", "backend": "iptables-legacy"},
                       ipt_runner("legacy", " (another tool only)"))
    assert not again["changed"] and again["commands"] == []


def test_ipt_second_family_refused():
    runner = ipt_runner(**{"ip6tables-legacy-restore --noflush": (2, "", "ip6tables-restore: line 2 failed\n")})
    result = run_module(vip_redirect, {"state": "absent", "backend": "iptables-legacy"}, runner)
    assert result["failed"] and result["changed"]        # IPv4 took effect
    assert result["applied"] == result["commands"][:1] and result["rc"] == 2
    assert result["msg"].startswith("ip6tables-legacy-restore --noflush failed (rc=2): ip6tables-restore: line 2 failed;"
                                    " 1 of 2 commands applied before it.")
    assert result["msg"].endswith("A restore is one transaction per address family: that family is unchanged.")
    assert undocumented_keys(vip_redirect, result) == set()


def test_ipt_read_failure():
    runner = ipt_runner(**{"ip6tables-legacy-save -t nat": (
        1, "", "ip6tables-legacy-save: can't initialize ip6tables table `nat': Table does not exist\n")})
    result = run_module(vip_redirect, {"vips": [V4], "backend": "iptables-legacy"}, runner)
    assert result["failed"] and not result["changed"] and result["rc"] == 1
    assert result["msg"].startswith("/usr/sbin/ip6tables-legacy-save -t nat failed (ip6tables-legacy-save: can't "
                                    "initialize ip6tables table `nat': Table does not exist); does the kernel support")
    assert writes(runner) == []


# ---------------------------------------------------------------- input

@pytest.mark.parametrize("args, message", [
    ({"vips": ["lb.example"]}, "vips[0]='lb.example': is not an IPv4 or IPv6 address"),
    ({"vips": [V4, "::1"], "backend": "iptables"}, "vips[1]='::1': cannot be a VIP"),
    ({}, "vips=[]: state=present needs at least one VIP"),
])
def test_bad_input_runs_nothing(args, message):
    runner = FakeRunner({})
    result = run_module(vip_redirect, args, runner)
    assert result["failed"] and not result["changed"] and result["msg"].startswith(message)
    assert runner.calls == []


def test_missing_executable_runs_nothing():
    runner = ipt_runner()
    result = run_module(vip_redirect, {"vips": [V4], "backend": "iptables-legacy"}, runner,
                        missing=("ip6tables-legacy-restore",))
    assert result["failed"] and result["msg"] == (
        "backend='iptables-legacy': needs the executable 'ip6tables-legacy-restore', "
        "which is not installed (or not on PATH)")
    assert runner.calls == []


def test_unknown_backend_is_refused_by_the_argument_spec():
    result = run_module(vip_redirect, {"vips": [V4], "backend": "ipfw"}, FakeRunner({}))
    assert result["failed"] and "backend" in result["msg"] and "nftables" in result["msg"]


# ---------------------------------------------------------------- drift and converge

def test_drift_checks_it_as_its_check_mode_run():
    calls = [{"name": "same", "module": "vip_redirect", "args": {"vips": [V4, V4B, V6]}},
             {"name": "more", "module": "vip_redirect", "args": {"vips": [V6B]}},
             {"name": "bad", "module": "vip_redirect", "args": {"vips": ["lb"]}}]
    runner = nft_runner("canonical")
    result = run_module(drift, {"calls": calls}, runner)
    assert result["calls"]["same"] == {"changed": False} and result["calls"]["more"] == {"changed": True}
    assert result["calls"]["bad"]["changed"] is None and result["calls"]["bad"]["msg"].startswith("vips[0]='lb'")
    assert result["drifted"] == ["more", "bad"] and writes(runner) == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_converge_applies_it_as_a_part(check_mode):
    part = {"name": "redirect", "module": "vip_redirect", "args": {"vips": [V4], "purge": True}}
    runner = nft_runner("canonical")
    result = run_module(converge, {"parts": [part]}, runner, check_mode=check_mode, diff=True)
    alone = run_module(vip_redirect, part["args"], nft_runner("canonical"), check_mode=check_mode, diff=True)
    assert not result["failed"] and result["changed_parts"] == ["redirect"]
    assert result["parts"]["redirect"] == dict((k, v) for k, v in alone.items() if k != "failed")
    assert result["commands"] == alone["commands"] and result["diff"][0]["before_header"] == "redirect"
    assert len(writes(runner)) == (0 if check_mode else 1)
