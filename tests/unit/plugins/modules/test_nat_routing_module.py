"""nat_routing through its entry point, and through drift: the recorded `ip -j` reads of
a converged host are in sync, a deleted rule is named (drift) and put back (the module),
check mode predicts the commands and runs none, every returned key is documented."""

from ansible_collections.lvs.cluster.plugins.modules import drift, nat_routing

from module_harness import FakeRunner, run_module, undocumented_keys

RULES4 = ('[{"priority":0,"src":"all","table":"local"},{"priority":32700,"src":"all","table":"main",'
          '"suppress_prefixlen":0},{"priority":32701,"src":"198.51.100.21","table":"32701"},'
          '{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]')
WITHOUT_FROM = ('[{"priority":0,"src":"all","table":"local"},{"priority":32700,"src":"all","table":"main",'
                '"suppress_prefixlen":0},{"priority":32766,"src":"all","table":"main"},'
                '{"priority":32767,"src":"all","table":"default"}]')
RULES6 = '[{"priority":0,"src":"all","table":"local"},{"priority":32766,"src":"all","table":"main"}]'
ROUTES4 = '[{"dst":"default","gateway":"198.51.100.1","dev":"vec1","flags":[]}]'
ARGS = {"gateway": "198.51.100.1", "sources": ["198.51.100.21"]}
ADD = "ip -4 rule add priority 32701 from 198.51.100.21 table 32701"


def answers(rules4):
    return {"ip -j -4 rule": (0, rules4, ""), "ip -j -6 rule": (0, RULES6, ""),
            "ip -j -4 route show table 32701": (0, ROUTES4, ""),
            "ip -j -6 route show table 32701": (0, "[]", "")}


def test_converged_host_is_unchanged():
    result = run_module(nat_routing, ARGS, FakeRunner(answers(RULES4)))
    assert not result["failed"] and not result["changed"] and result["commands"] == []
    assert result["table"] == 32701 and result["priorities"] == [32700, 32701]
    assert undocumented_keys(nat_routing, result) == set()


def test_a_deleted_rule_is_named_by_drift_and_put_back():
    checked = run_module(drift, {"calls": [{"name": "nat_routing", "module": "nat_routing", "args": ARGS}]},
                         FakeRunner(answers(WITHOUT_FROM)))
    assert checked["drifted"] == ["nat_routing"] and not checked["in_sync"]
    predicted = run_module(nat_routing, ARGS, FakeRunner(answers(WITHOUT_FROM)), check_mode=True, diff=True)
    assert predicted["changed"] and predicted["commands"] == [ADD]
    assert "priority 32701 from 198.51.100.21 table 32701" in predicted["diff"]["after"]
    reads = answers(WITHOUT_FROM)
    reads["ip -j -4 rule"] = [(0, WITHOUT_FROM, ""), (0, RULES4, "")]    # read, then read back
    runner = FakeRunner(dict(reads, **{ADD: (0, "", "")}))
    result = run_module(nat_routing, ARGS, runner)
    assert result["changed"] and result["commands"] == predicted["commands"]
    assert ADD in runner.commands()


def test_drift_in_sync_on_the_converged_host():
    checked = run_module(drift, {"calls": [{"name": "nat_routing", "module": "nat_routing", "args": ARGS}]},
                         FakeRunner(answers(RULES4)))
    assert checked["in_sync"] and checked["drifted"] == []


def test_a_bad_option_is_named():
    result = run_module(nat_routing, {"gateway": "198.51.100.1", "sources": ["2001:db8::1"]},
                        FakeRunner(answers(RULES4)))
    assert result["failed"] and result["msg"].startswith("sources[0]='2001:db8::1': is ipv6")


def test_without_ip_it_says_so():
    result = run_module(nat_routing, ARGS, FakeRunner({}), missing=("ip",))
    assert result["failed"] and "needs the executable 'ip'" in result["msg"]
