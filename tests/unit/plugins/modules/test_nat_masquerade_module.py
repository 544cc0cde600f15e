"""nat_masquerade through its entry point, on the listings recorded from this host's nftables
(tests/unit/fixtures/nat_masquerade): create, change of network, of interface, of family,
removal, a table edited by hand healed, nothing run when the tables are as wanted; check
mode predicting the real run; each failure path; drift and converge running its body."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import nat_masquerade as nat
from ansible_collections.lvs.cluster.plugins.modules import converge, drift, nat_masquerade

from module_harness import LIST_RULESET, FakeRunner, ruleset, run_module, undocumented_keys
from recorded import nat_listing

V4 = {"network": "198.51.100.0/24", "interface": "vec0"}
V6 = {"network": "2001:db8:100::/64", "interface": "vec0"}
TABLE_V4 = nat.render_nft_table("ip", nat.validate(**V4))
TABLE_V6 = nat.render_nft_table("ip6", nat.validate(**V6))
REPLACE_V4 = "table ip lvs_cluster_nat\ndelete table ip lvs_cluster_nat\n"
REPLACE_V6 = "table ip6 lvs_cluster_nat\ndelete table ip6 lvs_cluster_nat\n"


def listed(ip=None, ip6=None, apply=(0, "", "")):
    """The host's tables: a recorded section's title per family (None: no table)."""
    return FakeRunner({
        LIST_RULESET: ruleset(nat_listing(ip) if ip else None, nat_listing(ip6) if ip6 else None),
        "nft -f -": apply,
    })


def applied(runner):
    return [data for command, data in runner.calls if command == "nft -f -"]


@pytest.mark.parametrize("found, args, script", [
    # create
    ({}, V4, REPLACE_V4 + TABLE_V4),
    ({}, V6, REPLACE_V6 + TABLE_V6),
    # another network, another interface
    ({"ip": "ip canonical"}, dict(V4, network="198.51.100.0/25"),
     REPLACE_V4 + TABLE_V4.replace("198.51.100.0/24", "198.51.100.0/25")),
    ({"ip": "ip canonical"}, dict(V4, interface="vec1"), REPLACE_V4 + TABLE_V4.replace('"vec0"', '"vec1"')),
    # the other family: one transaction deletes one table and writes the other
    ({"ip": "ip canonical"}, V6, "delete table ip lvs_cluster_nat\n" + REPLACE_V6 + TABLE_V6),
    ({"ip6": "ip6 canonical"}, V4, REPLACE_V4 + TABLE_V4 + "delete table ip6 lvs_cluster_nat\n"),
    # removal: the tables that exist
    ({"ip": "ip canonical"}, {"network": None}, "delete table ip lvs_cluster_nat\n"),
    ({"ip": "ip canonical", "ip6": "ip6 canonical"}, {},
     "delete table ip lvs_cluster_nat\ndelete table ip6 lvs_cluster_nat\n"),
    # edited by hand: healed
    ({"ip": "ip rule added"}, V4, REPLACE_V4 + TABLE_V4),
    ({"ip": "ip dormant"}, V4, REPLACE_V4 + TABLE_V4),
])
@pytest.mark.parametrize("check_mode", [True, False])
def test_the_plan_is_one_transaction_and_check_mode_predicts_it(found, args, script, check_mode):
    runner = listed(**found)
    result = run_module(nat_masquerade, args, runner, check_mode=check_mode, diff=True)
    assert not result["failed"] and result["changed"]
    assert result["commands"] == ["nft -f -\n" + script.rstrip("\n")]
    assert applied(runner) == ([] if check_mode else [script])
    assert runner.commands()[:1] == [LIST_RULESET]   # one read for both families
    assert result["rules"] == nat.rules_as_dicts(nat.validate(args.get("network"), args.get("interface")))
    assert result["diff"]["after"] == nat.render_nft(nat.validate(args.get("network"), args.get("interface")))
    assert undocumented_keys(nat_masquerade, result) == set()


@pytest.mark.parametrize("found, args", [
    ({"ip": "ip canonical"}, V4),
    ({"ip": "ip counter"}, V4),
    ({"ip": "ip single address"}, {"network": "198.51.100.7/32", "interface": "vec0"}),
    ({"ip": "ip canonical"}, dict(V4, network="198.51.100.1/24")),     # the NAT address itself
    ({"ip6": "ip6 canonical"}, V6),
    ({}, {"network": None}),
    ({}, {"network": ""}),
])
@pytest.mark.parametrize("check_mode", [True, False])
def test_nothing_runs_when_the_tables_are_as_wanted(found, args, check_mode):
    runner = listed(**found)
    result = run_module(nat_masquerade, args, runner, check_mode=check_mode, diff=True)
    assert not result["failed"] and not result["changed"]
    assert result["commands"] == [] and runner.commands() == [LIST_RULESET]
    assert result["before"] == result["rules"] and result["stale"] == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_the_result_reports_what_was_found():
    result = run_module(nat_masquerade, V6, listed(ip="ip rule added"), check_mode=True, diff=True)
    assert result["before"] == [{"family": "ipv4", "network": "198.51.100.0/24", "interface": "vec0"}]
    assert result["rules"] == [{"family": "ipv6", "network": "2001:db8:100::/64", "interface": "vec0"}]
    assert [(item["family"], item["chain"], item["handle"]) for item in result["stale"]] == [("ip", "postrouting", 3)]
    assert result["diff"]["before"].startswith(TABLE_V4)
    assert "# stale in ip postrouting: " in result["diff"]["before"]
    assert "diff" not in run_module(nat_masquerade, V6, listed(), check_mode=True)


def test_a_refused_transaction_changed_nothing():
    stderr = "Error: Could not process rule: No such file or directory\n"
    result = run_module(nat_masquerade, V4, listed(apply=(1, "", stderr)))
    assert result["failed"] and not result["changed"]
    assert result["applied"] == [] and result["rc"] == 1 and result["stderr"] == stderr
    assert result["msg"].startswith("nft -f - failed (rc=1): Error: Could not process rule")
    assert result["msg"].endswith("0 of 1 commands applied before it. nft -f is one transaction: nothing of it was applied")
    assert undocumented_keys(nat_masquerade, result) == set()


def test_a_failed_read_fails_and_changes_nothing():
    denied = nat_listing("not permitted")
    runner = FakeRunner({LIST_RULESET: (1, "", denied)})
    result = run_module(nat_masquerade, V4, runner)
    assert result["failed"] and not result["changed"] and result["rc"] == 1
    assert result["msg"].startswith("reading the nftables table ip/ip6 lvs_cluster_nat failed: Operation not permitted")
    assert runner.commands() == [LIST_RULESET]
    assert undocumented_keys(nat_masquerade, result) == set()


def test_missing_nft_and_bad_input_run_nothing():
    runner = FakeRunner({})
    result = run_module(nat_masquerade, V4, runner, missing=("nft",))
    assert result["failed"] and result["msg"].startswith("needs the executable 'nft'")
    result = run_module(nat_masquerade, {"network": "198.51.100.0"}, runner)
    assert result["failed"] and result["msg"].startswith("network='198.51.100.0': must be ADDRESS/PREFIX")
    result = run_module(nat_masquerade, {"network": "198.51.100.0/24"}, runner)
    assert result["failed"] and result["msg"].startswith("interface=None: is required with network")
    assert runner.calls == []


# ---- drift and converge run the same body

@pytest.mark.parametrize("found, drifted", [({"ip": "ip canonical"}, False), ({"ip": "ip rule added"}, True), ({}, True)])
def test_drift_checks_it_as_its_check_mode_does(found, drifted):
    call = {"name": "nat", "module": "nat_masquerade", "args": V4}
    result = run_module(drift, {"calls": [call]}, listed(**found))
    assert result["calls"]["nat"] == {"changed": drifted}
    assert result["calls"]["nat"]["changed"] == run_module(nat_masquerade, V4, listed(**found), check_mode=True)["changed"]


def test_converge_applies_it_as_a_part():
    runner = listed(ip="ip rule added")
    result = run_module(converge, {"parts": [{"name": "nat", "module": "nat_masquerade", "args": V4}]}, runner)
    assert not result["failed"] and result["changed_parts"] == ["nat"]
    assert result["commands"] == ["nft -f -\n" + (REPLACE_V4 + TABLE_V4).rstrip("\n")]
    assert applied(runner) == [REPLACE_V4 + TABLE_V4]
