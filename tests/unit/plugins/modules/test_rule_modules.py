"""arptables_vip and fwmark through their entry points, on the listings recorded from the
lab's guests (tests/unit/fixtures/arp_fwmark): result keys and shapes, check mode, diff mode,
each failure path."""

import pytest

from ansible_collections.lvs.cluster.plugins.modules import arptables_vip, fwmark

from module_harness import LIST_RULESET, FakeRunner, ruleset, run_module, undocumented_keys
from recorded import section

RIP = "198.51.100.21"


def arptables_legacy(**more):
    listing = section("arptables-legacy.txt", "arptables-legacy -L -n --line-numbers")
    answers = {"arptables-legacy -L -n --line-numbers": (0, listing, "")}
    answers.update(more)
    return FakeRunner(answers)


# the recorded chains: VIPs .10 and .20, a duplicate drop of .10 (IN 3) and a foreign ACCEPT (OUT 3)
PURGE_20 = ["arptables-legacy -D LVS_CLUSTER_VIP_IN 3", "arptables-legacy -D LVS_CLUSTER_VIP_IN 2",
            "arptables-legacy -D LVS_CLUSTER_VIP_OUT 3", "arptables-legacy -D LVS_CLUSTER_VIP_OUT 2"]
KEEP_10 = {"vips": ["192.0.2.10"], "real_ip": RIP, "purge": True, "backend": "arptables-legacy"}


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_arptables(check_mode, diff):
    answers = dict((command[len("arptables-legacy "):], None) for command in PURGE_20)
    runner = arptables_legacy(**dict(("arptables-legacy " + c, (0, "", "")) for c in answers))
    result = run_module(arptables_vip, KEEP_10, runner, check_mode=check_mode, diff=diff)
    assert not result["failed"] and result["changed"]
    assert result["backend"] == "arptables-legacy"
    assert result["commands"] == PURGE_20
    assert result["vips"] == {"192.0.2.10": RIP}
    assert result["before"]["vips"] == {"192.0.2.10": RIP, "192.0.2.20": RIP}
    assert len(result["before"]["stale"]) == 2
    assert runner.commands()[1:] == ([] if check_mode else PURGE_20)
    if diff:
        assert "192.0.2.20" in result["diff"]["before"] and "192.0.2.20" not in result["diff"]["after"]
    else:
        assert "diff" not in result
    assert undocumented_keys(arptables_vip, result) == set()


def test_arptables_command_refused_midway():
    runner = arptables_legacy(**{
        "arptables-legacy -D LVS_CLUSTER_VIP_IN 3": (0, "", ""),
        "arptables-legacy -D LVS_CLUSTER_VIP_IN 2": (1, "", "arptables: Operation not supported\n"),
    })
    result = run_module(arptables_vip, KEEP_10, runner)
    assert result["failed"] and result["changed"]  # the first command took effect
    assert result["commands"] == PURGE_20 and result["applied"] == PURGE_20[:1]
    assert result["rc"] == 1 and "Operation not supported" in result["stderr"]
    assert result["msg"].startswith("arptables-legacy -D LVS_CLUSTER_VIP_IN 2 failed (rc=1): "
                                    "arptables: Operation not supported; 1 of 4 commands applied before it.")
    assert "try backend=arptables-legacy" in result["msg"]
    assert undocumented_keys(arptables_vip, result) == set()


def test_arptables_read_failure():
    runner = FakeRunner({"arptables-nft -L -n --line-numbers": (4, "", "Operation not supported\n")})
    result = run_module(arptables_vip, dict(KEEP_10, backend="arptables-nft"), runner)
    assert result["failed"] and not result["changed"] and result["rc"] == 4
    assert "does the kernel support this arptables back end?" in result["msg"]
    assert undocumented_keys(arptables_vip, result) == set()


def test_arp_missing_executable_and_bad_input_run_nothing():
    runner = arptables_legacy()
    result = run_module(arptables_vip, KEEP_10, runner, missing=("arptables-legacy",))
    assert result["failed"] and result["msg"].startswith("backend='arptables-legacy': needs the executable")
    result = run_module(arptables_vip, dict(KEEP_10, vips=["2001:db8::10"]), runner)
    assert result["failed"] and result["msg"].startswith("vips[0]='2001:db8::10': is an IPv6 address")
    assert runner.calls == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_arp_nftables_create(check_mode):
    runner = FakeRunner({LIST_RULESET: ruleset(), "nft -f -": (0, "", "")})
    result = run_module(arptables_vip, {"vips": ["192.0.2.10"], "real_ip": RIP, "backend": "nftables"}, runner,
                        check_mode=check_mode, diff=True)
    assert result["changed"] and len(result["commands"]) == 1
    command, script = result["commands"][0].split("\n", 1)
    assert command == "nft -f -"
    assert script.startswith("table arp lvs_cluster_vip\ndelete table arp lvs_cluster_vip\ntable arp lvs_cluster_vip {")
    assert "arp daddr ip 192.0.2.10 drop" in script
    assert result["diff"]["before"] == "" and script.endswith(result["diff"]["after"].rstrip("\n"))
    applied = [data for command, data in runner.calls if command == "nft -f -"]
    assert applied == ([] if check_mode else [script + "\n"])


def test_arp_nftables_refused_and_unreadable():
    runner = FakeRunner({LIST_RULESET: ruleset(),
                         "nft -f -": (1, "", "Error: Could not process rule: No such file or directory\n")})
    result = run_module(arptables_vip, {"vips": ["192.0.2.10"], "real_ip": RIP, "backend": "nftables"}, runner)
    assert result["failed"] and not result["changed"] and result["applied"] == []
    assert "nft -f is one transaction: nothing of it was applied" in result["msg"]
    runner = FakeRunner({LIST_RULESET: (1, "", "Error: Protocol not supported\n")})
    result = run_module(arptables_vip, {"state": "absent", "backend": "nftables"}, runner)
    assert result["failed"] and "reading the nftables table arp lvs_cluster_vip failed: Error: Protocol not supported" in result["msg"]


def ip_tables_legacy(**more):
    answers = {
        "iptables-legacy-save -t mangle": (0, section("iptables-legacy-mangle.txt", "iptables-legacy-save -t mangle"), ""),
        "ip6tables-legacy-save -t mangle": (0, section("iptables-legacy-mangle.txt", "ip6tables-legacy-save -t mangle"), ""),
        "iptables-legacy-restore --noflush": (0, "", ""),
        "ip6tables-legacy-restore --noflush": (0, "", ""),
    }
    answers.update(more)
    return FakeRunner(answers)


DROP_V6_MARK = {"fwmark": 4294967295, "state": "absent", "backend": "iptables-legacy"}


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_fwmark_iptables(check_mode, diff):
    runner = ip_tables_legacy()
    result = run_module(fwmark, DROP_V6_MARK, runner, check_mode=check_mode, diff=diff)
    assert not result["failed"] and result["changed"] and result["backend"] == "iptables-legacy"
    # IPv4: rewritten without the stale rule; IPv6: its only mark gone, chain and jump too
    first_lines = [c.split("\n", 1)[0] for c in result["commands"]]
    assert first_lines == ["iptables-legacy-restore --noflush", "ip6tables-legacy-restore --noflush"]
    assert result["commands"][1] == ("ip6tables-legacy-restore --noflush\n*mangle\n-D PREROUTING -j LVS_CLUSTER_FWMARK\n"
                                     "-F LVS_CLUSTER_FWMARK\n-X LVS_CLUSTER_FWMARK\nCOMMIT")
    assert {"fwmark": 4294967295, "family": "ipv6", "vip": "2001:db8:2::10", "protocol": "udp",
            "ports": ["53"]} in result["before"]
    assert [rule["fwmark"] for rule in result["rules"]] == [7, 21, 80]
    assert len(result["stale"]) == 1
    writes = [c for c in runner.commands() if "restore" in c]
    assert writes == ([] if check_mode else ["iptables-legacy-restore --noflush", "ip6tables-legacy-restore --noflush"])
    assert ("diff" in result) == diff
    assert undocumented_keys(fwmark, result) == set()


def test_fwmark_iptables_second_family_refused():
    runner = ip_tables_legacy(**{"ip6tables-legacy-restore --noflush": (2, "", "ip6tables-restore: line 2 failed\n")})
    result = run_module(fwmark, DROP_V6_MARK, runner)
    assert result["failed"] and result["changed"]
    assert result["applied"] == result["commands"][:1] and result["rc"] == 2
    assert "1 of 2 commands applied before it" in result["msg"] and "that family is unchanged" in result["msg"]
    assert undocumented_keys(fwmark, result) == set()


def test_fwmark_nftables_create_in_check_mode():
    runner = FakeRunner({LIST_RULESET: ruleset()})
    result = run_module(fwmark, {"fwmark": 80, "vips": ["192.0.2.10"], "ports": ["80", "443"]}, runner,
                        check_mode=True, diff=True)
    assert result["changed"] and result["backend"] == "nftables"
    assert result["commands"][0].startswith("nft -f -\ntable inet lvs_cluster_fwmark\n")
    assert "ip daddr 192.0.2.10 tcp dport { 80, 443 } meta mark set 0x00000050" in result["diff"]["after"]
    assert result["rules"] == [{"fwmark": 80, "family": "ipv4", "vip": "192.0.2.10", "protocol": "tcp",
                                "ports": ["80", "443"]}]
    assert runner.commands() == [LIST_RULESET]


@pytest.mark.parametrize("args, message", [
    ({"vips": ["192.0.2.10"], "ports": ["80"]}, "vips=['192.0.2.10']: given without a mark"),
    ({"fwmark": 80, "vips": ["192.0.2.10"], "ports": ["0"]}, "ports[0]='0': is out of range"),
    ({"marks": [{"fwmark": 80, "vips": ["lb"], "ports": ["80"]}]}, "marks[0].vips[0]='lb': is not an IPv4"),
])
def test_fwmark_bad_input_runs_nothing(args, message):
    runner = FakeRunner({})
    result = run_module(fwmark, args, runner)
    assert result["failed"] and not result["changed"] and result["msg"].startswith(message)
    assert runner.calls == []
