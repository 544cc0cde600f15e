"""ipvs_keepalived through its entry point: ipvsadm answered by the FakeRunner (as for the
other IPVS modules), keepalived by a fake host whose checker writes the dumps of
tests/unit/fixtures/keepalived when signalled. Result keys and shapes, check and diff
mode, the re-read after a change, each failure path."""

from unittest import mock

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_checkers
from ansible_collections.lvs.cluster.plugins.modules import ipvs_keepalived

from keepalived_fakes import HA_SERVICES as SERVICES, FakeHost
from module_harness import FakeRunner, run_module, undocumented_keys
from recorded import keepalived_dump

HEALTHY = """\
-A -t 192.0.2.10:80 -s wrr
-a -t 192.0.2.10:80 -r 198.51.100.21:80 -m -w 3
-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2
-a -t 192.0.2.10:80 -r 198.51.100.23:80 -m -w 1
-A -f 80 -s rr -p 300
-a -f 80 -r 198.51.100.21:0 -m -w 1
-a -f 80 -r 198.51.100.22:0 -m -w 1
-a -f 80 -r 198.51.100.23:0 -m -w 1
"""
WITHOUT_22 = HEALTHY.replace("-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2\n", "")
ADD_22 = "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2 -x 0 -y 0"
DEL_22 = "-d -t 192.0.2.10:80 -r 198.51.100.22:80"
NO_THRESHOLDS = "IP Virtual Server version 1.2.1 (size=4096)\n"


def ipvsadm(*tables):
    """The kernel: each read of the table answers the next of tables (the last repeats)."""
    return FakeRunner({
        "ipvsadm -Sn": [(0, table, "") for table in tables],
        "ipvsadm -Ln --exact --thresholds": (0, NO_THRESHOLDS, ""),
        "ipvsadm -R": (0, "", ""),
    })


def run(runner, host, args=None, **modes):
    with mock.patch.object(keepalived_checkers, "System", lambda: host):
        return run_module(ipvs_keepalived, args or {"services": SERVICES}, runner, **modes)


def restores(runner):
    return [data for command, data in runner.calls if command == "ipvsadm -R"]


def test_converged_changes_nothing_and_asks_keepalived_once():
    runner, host = ipvsadm(HEALTHY), FakeHost([keepalived_dump("check-all-up.txt")])
    result = run(runner, host)
    assert not result["failed"] and not result["changed"]
    assert result["commands"] == [] and result["rounds"] == 0 and result["left_out"] == []
    assert result["summary"] == {"services": 2, "destinations": 6, "added": [], "changed": [], "removed": [],
                                 "unchanged": 2}
    assert restores(runner) == [] and host.signals == [4242]
    assert undocumented_keys(ipvs_keepalived, result) == set()


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_deleted_real_server_restored(check_mode, diff):
    runner, host = ipvsadm(WITHOUT_22, HEALTHY), FakeHost([keepalived_dump("check-all-up.txt")])
    result = run(runner, host, check_mode=check_mode, diff=diff)
    assert not result["failed"] and result["changed"]
    assert result["commands"] == ["ipvsadm " + ADD_22]
    assert result["summary"]["changed"] == ["tcp 192.0.2.10:80"]
    # check mode reads (keepalived's dump too) but never writes, and needs no second dump
    assert restores(runner) == ([] if check_mode else [ADD_22 + "\n"])
    assert host.signals == [4242] * (1 if check_mode else 2)
    assert result["rounds"] == (0 if check_mode else 1)
    if diff:
        before, after = result["diff"]["before"]["services"], result["diff"]["after"]["services"]
        assert [len(s["destinations"]) for s in before] == [2] and [len(s["destinations"]) for s in after] == [3]
    else:
        assert "diff" not in result
    assert undocumented_keys(ipvs_keepalived, result) == set()


def test_failed_real_server_left_out():
    runner, host = ipvsadm(WITHOUT_22), FakeHost([keepalived_dump("check-one-removed.txt")])
    result = run(runner, host)
    assert not result["changed"] and result["left_out"] == ["tcp 192.0.2.10:80 -> 198.51.100.22:80"]


def test_checker_acting_during_the_change():
    # the first dump has 198.51.100.22 up; its check fails before the second dump
    runner = ipvsadm(WITHOUT_22, HEALTHY, WITHOUT_22)
    host = FakeHost([keepalived_dump("check-all-up.txt"), keepalived_dump("check-one-removed.txt")])
    result = run(runner, host)
    assert result["changed"] and result["rounds"] == 2
    assert result["commands"] == ["ipvsadm " + ADD_22, "ipvsadm " + DEL_22]
    assert restores(runner) == [ADD_22 + "\n", DEL_22 + "\n"] and len(host.signals) == 3


def test_dump_written_in_parts():
    runner, host = ipvsadm(HEALTHY), FakeHost([keepalived_dump("check-all-up.txt")], parts=3)
    assert not run(runner, host)["failed"]


@pytest.mark.parametrize("host, words", [
    (FakeHost([""], pid=None), "keepalived is not running: cannot read its pid file /run/keepalived.pid"),
    (FakeHost([""], writes=False), "wrote no complete new /tmp/keepalived_check.data within 1 s of SIGUSR1"),
    (FakeHost(["------< Global definitions >------\n------< LVS Topology >------\n ------< Virtual server >------\n"
               " VS GROUP = [web]:80\n"]), "virtual_server_group is not supported"),
], ids=["not running", "no dump", "unknown format"])
def test_keepalived_failures(host, words):
    runner = ipvsadm(HEALTHY)
    result = run(runner, host, {"services": SERVICES, "timeout": 1})
    assert result["failed"] and not result["changed"] and words in result["msg"]
    assert restores(runner) == []
    assert undocumented_keys(ipvs_keepalived, result) == set()


def test_bad_input_fails_before_keepalived_is_signalled():
    runner, host = ipvsadm(HEALTHY), FakeHost([keepalived_dump("check-all-up.txt")])
    bad = [dict(SERVICES[0], vip="192.0.2.300")]
    result = run(runner, host, {"services": bad})
    assert result["failed"] and result["msg"].startswith("services[0].vip='192.0.2.300': is not an IPv4 or IPv6 address")
    assert host.signals == [] and runner.calls == []


def test_kernel_refusal():
    runner = ipvsadm(WITHOUT_22)
    runner.answers["ipvsadm -R"] = (0, "", "Memory allocation problem\n")
    result = run(runner, FakeHost([keepalived_dump("check-all-up.txt")]))
    assert result["failed"] and not result["changed"]
    assert result["applied"] == [] and result["stderr"] == "Memory allocation problem"
    assert result["msg"].startswith("ipvsadm -R refused part of the change")
    assert undocumented_keys(ipvs_keepalived, result) == set()


def test_drain_markers_give_a_service_keepalived_does_not_know_weight_0(tmp_path):
    # a new service (keepalived not reloaded yet) is written with the described weights, a
    # drained real server's 0; the services keepalived knows keep keepalived's weights
    (tmp_path / "198.51.100.22").write_text("1\n")
    new = {"protocol": "tcp", "vip": "192.0.2.10", "port": 7, "scheduler": "rr", "purge": True,
           "destinations": [{"address": "198.51.100.21", "method": "nat", "weight": 2},
                            {"address": "198.51.100.22", "method": "nat", "weight": 2}]}
    runner, host = ipvsadm(HEALTHY), FakeHost([keepalived_dump("check-all-up.txt")])
    result = run(runner, host, {"services": SERVICES + [new], "drain_markers": str(tmp_path)}, check_mode=True)
    assert result["commands"] == ["ipvsadm -A -t 192.0.2.10:7 -s rr",
                                  "ipvsadm -a -t 192.0.2.10:7 -r 198.51.100.21:7 -m -w 2 -x 0 -y 0",
                                  "ipvsadm -a -t 192.0.2.10:7 -r 198.51.100.22:7 -m -w 0 -x 0 -y 0"]
