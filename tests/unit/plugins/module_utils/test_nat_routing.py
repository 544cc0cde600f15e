"""nat_routing's logic: the NAT replies' source policy routing (table 32701, rules at
priorities 32700/32701) read from `ip -j` output recorded with Debian 12's iproute2 6.1,
planned, applied to a fake kernel that keeps rules and routes as the kernel does, and never
touching a rule or route that is not the collection's (main's default above all)."""

import json

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import nat_routing as nr
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

# Recorded: `ip -j rule`, `ip -j -6 rule`, `ip -j route show table 32701` (and -6) on a
# host with the wanted state, in a network namespace (iproute2 6.1.0, kernel 6.1 rules).
RULES4 = ('[{"priority":0,"src":"all","table":"local"},{"priority":32700,"src":"all","table":"main",'
          '"suppress_prefixlen":0},{"priority":32701,"src":"198.51.100.21","table":"32701"},'
          '{"priority":32766,"src":"all","table":"main"},{"priority":32767,"src":"all","table":"default"}]')
RULES6 = ('[{"priority":0,"src":"all","table":"local"},{"priority":32700,"src":"all","table":"main",'
          '"suppress_prefixlen":0},{"priority":32701,"src":"2001:db8:51::21","table":"32701"},'
          '{"priority":32766,"src":"all","table":"main"}]')
ROUTES4 = '[{"dst":"default","gateway":"198.51.100.1","dev":"v0","flags":[]}]'
ROUTES6 = '[{"dst":"default","gateway":"2001:db8:51::1","dev":"v0","metric":1024,"flags":[],"pref":"medium"}]'
# a rule of a /24 source, as ip prints it
RULE_PREFIX = '{"priority":32701,"src":"198.51.100.0","srclen":24,"table":"32701"}'
NO_TABLE = "Error: ipv4: FIB table does not exist.\nDump terminated\n"
BASE4 = [{"priority": 0, "src": "all", "table": "local"}, {"priority": 32766, "src": "all", "table": "main"},
         {"priority": 32767, "src": "all", "table": "default"}]
BASE6 = [{"priority": 0, "src": "all", "table": "local"}, {"priority": 32766, "src": "all", "table": "main"}]


class Kernel:
    """Rules and routes by family, as `ip` changes and lists them; main's table is kept
    (its default must never change). Every command is recorded."""

    def __init__(self, rules=None, routes=None, main=None):
        self.rules = rules or {"ipv4": list(BASE4), "ipv6": list(BASE6)}
        self.routes = routes or {"ipv4": [], "ipv6": []}
        self.table_made = {"ipv4": bool(self.routes["ipv4"]), "ipv6": True}
        self.main = main or {"ipv4": [{"dst": "default", "gateway": "198.51.100.254", "dev": "vec0", "flags": []}]}
        self.calls = []
        self.fail = {}

    def __call__(self, argv, data=None):
        text = " ".join(argv)
        self.calls.append(text)
        if text in self.fail:
            return self.fail[text]
        family = "ipv6" if argv[1] in ("-6",) or argv[2] == "-6" else "ipv4"
        args = [a for a in argv[1:] if a not in ("-j", "-4", "-6")]
        if args == ["rule"]:
            return 0, json.dumps(sorted(self.rules[family], key=lambda r: r["priority"])), ""
        if args[:3] == ["route", "show", "table"]:
            if not self.table_made[family]:
                return 2, "[", NO_TABLE
            return 0, json.dumps(self.routes[family]), ""
        if args[:2] == ["rule", "add"]:
            rule = self._rule(args[2:])
            if rule in self.rules[family]:
                return 2, "", "RTNETLINK answers: File exists\n"
            self.rules[family].append(rule)
            return 0, "", ""
        if args[:2] == ["rule", "del"]:
            given = self._rule(args[2:])
            for rule in self.rules[family]:
                if all(rule.get(k) == v for k, v in given.items() if not (k == "src" and v == "all")):
                    self.rules[family].remove(rule)
                    return 0, "", ""
            return 2, "", "RTNETLINK answers: No such file or directory\n"
        if args[:2] == ["route", "replace"]:
            assert args[2:5:2] == ["default", "table"] or args[2] == "default"
            self.table_made[family] = True
            self.routes[family] = [r for r in self.routes[family] if r["dst"] != "default"] + [
                {"dst": "default", "gateway": args[4], "dev": "vec0", "flags": []}]
            return 0, "", ""
        if args[:2] == ["route", "del"]:
            dst = args[2]
            via = args[args.index("via") + 1] if "via" in args else None
            for route in self.routes[family]:
                if route["dst"] == dst and (via is None or route.get("gateway") == via):
                    self.routes[family].remove(route)
                    return 0, "", ""
            return 2, "", "RTNETLINK answers: No such process\n"
        raise AssertionError("unexpected command %s" % text)

    @staticmethod
    def _rule(words):
        rule, i = {"src": "all"}, 0
        while i < len(words):
            key, value = words[i], words[i + 1]
            if key == "priority":
                rule["priority"] = int(value)
            elif key == "from":
                address, _s, length = value.partition("/")
                rule["src"] = address
                if length and length not in ("32", "128"):
                    rule["srclen"] = int(length)
            elif key == "table":
                rule["table"] = value
            elif key == "suppress_prefixlength":
                rule["suppress_prefixlen"] = int(value)
            i += 2
        return rule


def writes(kernel):
    return [call for call in kernel.calls if " -j " not in call]


def test_recorded_wanted_state_is_in_sync():
    rules = {"ipv4": nr.parse_rules(0, RULES4, "", "ipv4"), "ipv6": nr.parse_rules(0, "[]", "", "ipv6")}
    routes = {"ipv4": nr.parse_routes(0, ROUTES4, "", "ipv4"), "ipv6": []}
    assert nr.plan("ipv4", "198.51.100.1", ["198.51.100.21"], rules, routes) == []
    # only the collection's priorities are read as its own
    assert [rule["priority"] for rule in rules["ipv4"]] == [32700, 32701]


def test_recorded_ipv6_state_is_in_sync_and_unwanted_ipv4_remains_none():
    rules = {"ipv4": nr.parse_rules(0, RULES4, "", "ipv4"), "ipv6": nr.parse_rules(0, RULES6, "", "ipv6")}
    routes = {"ipv4": nr.parse_routes(0, ROUTES4, "", "ipv4"), "ipv6": nr.parse_routes(0, ROUTES6, "", "ipv6")}
    # NAT by IPv6 now: the IPv4 rules and route are stale, the IPv6 ones (metric 1024) wanted
    assert nr.plan("ipv6", "2001:db8:51::1", ["2001:db8:51::21"], rules, routes) == [
        ["ip", "-4", "route", "del", "default", "via", "198.51.100.1", "table", "32701"],
        ["ip", "-4", "rule", "del", "priority", "32700", "table", "main", "suppress_prefixlength", "0"],
        ["ip", "-4", "rule", "del", "priority", "32701", "from", "198.51.100.21", "table", "32701"]]


def test_a_table_never_made_reads_as_empty_and_other_errors_fail():
    assert nr.parse_routes(2, "[", NO_TABLE, "ipv4") == []
    with pytest.raises(Exception, match=r"ip -j -4 route show table 32701: Error: oops"):
        nr.parse_routes(1, "", "Error: oops", "ipv4")
    with pytest.raises(Exception, match=r"not JSON"):
        nr.parse_rules(0, "nope", "", "ipv4")


def test_first_run_then_no_change_and_mains_default_untouched():
    kernel = Kernel()
    result = nr.converge(kernel, "198.51.100.1", ["198.51.100.22", "198.51.100.21"])
    assert result["changed"]
    assert writes(kernel) == [
        "ip -4 route replace default via 198.51.100.1 table 32701",
        "ip -4 rule add priority 32700 table main suppress_prefixlength 0",
        "ip -4 rule add priority 32701 from 198.51.100.21 table 32701",
        "ip -4 rule add priority 32701 from 198.51.100.22 table 32701"]
    assert kernel.main["ipv4"][0]["gateway"] == "198.51.100.254"
    kernel.calls = []
    again = nr.converge(kernel, "198.51.100.1", ["198.51.100.21", "198.51.100.22"])
    assert not again["changed"] and again["commands"] == [] and writes(kernel) == []


def test_check_mode_predicts_and_writes_nothing():
    kernel = Kernel()
    predicted = nr.converge(kernel, "198.51.100.1", ["198.51.100.21"], check_mode=True, diff=True)
    assert predicted["changed"] and writes(kernel) == []
    assert predicted["diff"]["before"] == ""
    assert "priority 32701 from 198.51.100.21 table 32701\n" in predicted["diff"]["after"]
    real = nr.converge(kernel, "198.51.100.1", ["198.51.100.21"])
    assert real["commands"] == predicted["commands"]


def test_a_deleted_rule_is_put_back_alone():
    kernel = Kernel()
    nr.converge(kernel, "198.51.100.1", ["198.51.100.21"])
    kernel.rules["ipv4"] = [r for r in kernel.rules["ipv4"] if r["priority"] != 32701]
    kernel.calls = []
    assert nr.converge(kernel, "198.51.100.1", ["198.51.100.21"])["commands"] == [
        "ip -4 rule add priority 32701 from 198.51.100.21 table 32701"]


def test_a_changed_address_and_gateway_add_before_they_delete():
    kernel = Kernel()
    nr.converge(kernel, "198.51.100.1", ["198.51.100.21"])
    kernel.calls = []
    commands = nr.converge(kernel, "198.51.100.2", ["198.51.100.31"])["commands"]
    assert commands == [
        "ip -4 route del default via 198.51.100.1 table 32701",
        "ip -4 route replace default via 198.51.100.2 table 32701",
        "ip -4 rule add priority 32701 from 198.51.100.31 table 32701",
        "ip -4 rule del priority 32701 from 198.51.100.21 table 32701"]
    assert nr.converge(kernel, "198.51.100.2", ["198.51.100.31"])["commands"] == []


def test_no_nat_removes_only_the_collections_rules_and_table():
    foreign = {"priority": 100, "src": "203.0.113.0", "srclen": 24, "table": "200"}
    kernel = Kernel()
    kernel.rules["ipv4"].append(dict(foreign))
    nr.converge(kernel, "198.51.100.1", ["198.51.100.21"])
    kernel.rules["ipv4"].append(json.loads(RULE_PREFIX))       # one more of ours, by hand
    result = nr.converge(kernel, None, [])
    assert result["changed"]
    assert sorted(kernel.rules["ipv4"], key=lambda r: r["priority"]) == sorted(
        BASE4 + [foreign], key=lambda r: r["priority"])
    assert kernel.routes["ipv4"] == [] and kernel.main["ipv4"][0]["gateway"] == "198.51.100.254"
    assert "ip -4 rule del priority 32701 from 198.51.100.0/24 table 32701" in result["commands"]
    assert nr.converge(kernel, "", [])["commands"] == []


def test_a_duplicate_rule_is_removed_once():
    rules = {"ipv4": nr.parse_rules(0, RULES4, "", "ipv4") * 1 + nr.parse_rules(0, RULES4, "", "ipv4")[1:],
             "ipv6": []}
    routes = {"ipv4": nr.parse_routes(0, ROUTES4, "", "ipv4"), "ipv6": []}
    assert nr.plan("ipv4", "198.51.100.1", ["198.51.100.21"], rules, routes) == [
        ["ip", "-4", "rule", "del", "priority", "32701", "from", "198.51.100.21", "table", "32701"]]


def test_a_failed_command_names_it_and_what_ran_before():
    kernel = Kernel()
    kernel.fail["ip -4 rule add priority 32700 table main suppress_prefixlength 0"] = (2, "", "Error: boom\n")
    with pytest.raises(ApplyError, match=r"ip -4 rule add priority 32700 .*rc=2: Error: boom") as raised:
        nr.converge(kernel, "198.51.100.1", ["198.51.100.21"])
    assert raised.value.result["applied"] == ["ip -4 route replace default via 198.51.100.1 table 32701"]


@pytest.mark.parametrize("gateway, sources, message", [
    ("198.51.100.1", [], r"sources=\[\]: at least one NAT real-server address"),
    ("198.51.100.1", ["2001:db8:51::21"], r"sources\[0\]='2001:db8:51::21': is ipv6 but the gateway"),
    ("nat-gw", ["198.51.100.21"], r"gateway='nat-gw': is not an IPv4 or IPv6 address"),
    (None, ["198.51.100.21"], r"sources=\['198.51.100.21'\]: needs a gateway"),
])
def test_bad_options_are_named(gateway, sources, message):
    with pytest.raises(ValidationError, match=message):
        nr.converge(Kernel(), gateway, sources)


def test_the_boot_unit_sets_the_same_state_and_its_stop_removes_it():
    text = nr.unit_text("198.51.100.1", ["198.51.100.21"])
    starts = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStart=")]
    stops = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStop=")]
    kernel = Kernel()
    for line in starts + starts:             # a second start (by hand) must not fail or duplicate
        rc, _out, _err = kernel(line.lstrip("-").split())
        assert rc == 0 or line.startswith("-")
    kernel.calls = []
    assert nr.converge(kernel, "198.51.100.1", ["198.51.100.21"])["commands"] == []
    for line in stops:
        kernel(line.lstrip("-").split())
    assert kernel.rules["ipv4"] == BASE4 and kernel.routes["ipv4"] == []
    assert nr.unit_text(None, []) == ""
    six = nr.unit_text("2001:db8:51::1", ["2001:db8:51::21"])
    assert "ExecStart=ip -6 rule add priority 32701 from 2001:db8:51::21 table 32701\n" in six
