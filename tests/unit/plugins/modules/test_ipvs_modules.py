"""ipvs_service, ipvs_destination and ipvs_info through their entry points, on the table
recorded from the lab kernel (tests/unit/fixtures/ipvs): result keys and shapes, check mode,
diff mode, each failure path."""

import pytest

from ansible_collections.lvs.cluster.plugins.modules import ipvs_destination, ipvs_info, ipvs_service

from module_harness import FakeRunner, run_module, undocumented_keys
from recorded import ipvs_fixture

EDIT = "-E -t 192.0.2.10:80 -s rr"
WEB = {"protocol": "tcp", "vip": "192.0.2.10", "port": 80}


def kernel(**more):
    answers = {
        "ipvsadm -Sn": (0, ipvs_fixture("save.txt"), ""),
        "ipvsadm -Ln --exact --thresholds": (0, ipvs_fixture("list-thresholds.txt"), ""),
        "ipvsadm -R": (0, "", ""),
    }
    answers.update(more)
    return FakeRunner(answers)


def restores(runner):
    return [data for command, data in runner.calls if command == "ipvsadm -R"]


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_service_single_form(check_mode, diff):
    runner = kernel()
    result = run_module(ipvs_service, dict(WEB, scheduler="rr"), runner, check_mode=check_mode, diff=diff)
    assert not result["failed"] and result["changed"]
    assert result["commands"] == ["ipvsadm " + EDIT]
    assert result["service"]["vip"] == "192.0.2.10" and result["service"]["scheduler"] == "rr"
    assert len(result["service"]["destinations"]) == 3
    # check mode reads but never writes; a real run writes the commands as one batch
    assert restores(runner) == ([] if check_mode else [EDIT + "\n"])
    # diff only in diff mode
    if diff:
        assert result["diff"]["before"]["scheduler"] == "wrr" and result["diff"]["after"]["scheduler"] == "rr"
    else:
        assert "diff" not in result
    assert undocumented_keys(ipvs_service, result) == set()


def test_service_unchanged_runs_nothing():
    runner = kernel()
    result = run_module(ipvs_service, dict(WEB, scheduler="wrr"), runner)
    assert not result["changed"] and result["commands"] == [] and restores(runner) == []


@pytest.mark.parametrize("diff", [True, False])
def test_service_list_form_purge(diff):
    runner = kernel()
    result = run_module(ipvs_service, {"services": [dict(WEB, scheduler="rr")], "purge": True}, runner,
                        check_mode=True, diff=diff)
    assert result["changed"]
    assert result["summary"]["changed"] == ["tcp 192.0.2.10:80"]
    assert len(result["summary"]["removed"]) == 14 and result["summary"]["services"] == 1
    assert all(command.startswith("ipvsadm -") for command in result["commands"])
    assert "service" not in result
    if diff:
        assert [s["port"] for s in result["diff"]["after"]["services"]] == [80]
        assert len(result["diff"]["before"]["services"]) == 15
    else:
        assert "diff" not in result
    assert undocumented_keys(ipvs_service, result) == set()


def test_service_purge_in_a_service_is_about_its_real_servers():
    runner = kernel()
    result = run_module(ipvs_service, dict(WEB, destinations=[{"address": "198.51.100.22"}], purge=True),
                        runner, check_mode=True)
    assert result["commands"] == ["ipvsadm -d -t 192.0.2.10:80 -r 198.51.100.21:8080",
                                  "ipvsadm -d -t 192.0.2.10:80 -r 198.51.100.23:80"]


def test_service_drain_markers_quiesce_the_marked_real_servers(tmp_path):
    # rs2's marker holds 1, rs3's 0 (restored), a README is no marker
    (tmp_path / "198.51.100.22").write_text("1\n")
    (tmp_path / "198.51.100.23").write_text("0\n")
    (tmp_path / "README").write_text("1\n")
    runner = kernel()
    dests = [{"address": "198.51.100.22", "weight": 5}, {"address": "198.51.100.23", "weight": 5}]
    result = run_module(ipvs_service, dict(WEB, destinations=dests, drain_markers=str(tmp_path)),
                        runner, check_mode=True)
    assert result["commands"] == ["ipvsadm -e -t 192.0.2.10:80 -r 198.51.100.22:80 -g -w 0 -x 0 -y 0",
                                  "ipvsadm -e -t 192.0.2.10:80 -r 198.51.100.23:80 -i -w 5 -x 0 -y 0 --tun-type ipip"]


def test_service_a_missing_drain_directory_drains_nothing(tmp_path):
    runner = kernel()
    with_markers = run_module(ipvs_service, dict(WEB, destinations=[{"address": "198.51.100.22", "weight": 5}],
                                                 drain_markers=str(tmp_path / "none")), runner, check_mode=True)
    without = run_module(ipvs_service, dict(WEB, destinations=[{"address": "198.51.100.22", "weight": 5}]),
                         kernel(), check_mode=True)
    assert with_markers["commands"] == without["commands"] and with_markers["changed"]


def test_service_bad_input_fails_before_reading():
    runner = kernel()
    result = run_module(ipvs_service, dict(WEB, vip="192.0.2.300"), runner)
    assert result["failed"] and not result["changed"]
    assert result["msg"].startswith("vip='192.0.2.300': is not an IPv4 or IPv6 address")
    assert runner.calls == []


def test_service_needs_an_identity():
    result = run_module(ipvs_service, {"scheduler": "rr"}, kernel())
    assert result["failed"] and "give protocol, vip and port, or fwmark" in result["msg"]


def test_service_read_failure():
    runner = kernel(**{"ipvsadm -Sn": (2, "", "Can't initialize ipvs: Protocol not available\n")})
    result = run_module(ipvs_service, dict(WEB, scheduler="rr"), runner)
    assert result["failed"] and not result["changed"]
    assert result["msg"] == "ipvsadm -Sn failed (rc=2): Can't initialize ipvs: Protocol not available"
    assert result["rc"] == 2 and "Protocol not available" in result["stderr"]
    assert undocumented_keys(ipvs_service, result) == set()


def test_service_kernel_refusal():
    # the kernel refuses the line; the table read back is unchanged: nothing applied, nothing to roll back
    runner = kernel(**{"ipvsadm -R": (0, "", "Scheduler or persistence engine not found\n")})
    result = run_module(ipvs_service, dict(WEB, scheduler="rr"), runner)
    assert result["failed"] and not result["changed"]
    assert result["commands"] == ["ipvsadm " + EDIT]
    assert result["applied"] == [] and result["rolled_back"] == []
    assert result["rc"] == 0 and result["stderr"] == "Scheduler or persistence engine not found"
    assert result["msg"].startswith("ipvsadm -R refused part of the change (rc=0): Scheduler or persistence")
    assert runner.commands().count("ipvsadm -Sn") == 2  # read before and after
    assert undocumented_keys(ipvs_service, result) == set()


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_destination(check_mode, diff):
    runner = kernel()
    result = run_module(ipvs_destination, dict(WEB, destination={"address": "198.51.100.22", "weight": 0}),
                        runner, check_mode=check_mode, diff=diff)
    line = "-e -t 192.0.2.10:80 -r 198.51.100.22:80 -g -w 0 -x 0 -y 0"
    assert result["changed"] and result["commands"] == ["ipvsadm " + line]
    assert result["service"] == "tcp 192.0.2.10:80" and result["destination"]["weight"] == 0
    assert restores(runner) == ([] if check_mode else [line + "\n"])
    if diff:
        assert result["diff"] == {"before": dict(result["destination"], weight=65535), "after": result["destination"]}
    else:
        assert "diff" not in result
    assert undocumented_keys(ipvs_destination, result) == set()


def test_destination_absent():
    result = run_module(ipvs_destination, {"fwmark": 1, "destination": {"address": "198.51.100.23", "state": "absent"}},
                        kernel(), check_mode=True)
    assert result["commands"] == ["ipvsadm -d -f 1 -r 198.51.100.23:0"] and result["destination"] is None


def test_destination_missing_service_is_named_by_the_modules_own_options():
    runner = kernel()
    result = run_module(ipvs_destination, dict(WEB, port=81, destination={"address": "198.51.100.22"}), runner)
    assert result["failed"] and not result["changed"]
    assert result["msg"] == ("vip='192.0.2.10': the service tcp 192.0.2.10:81 does not exist: "
                             "create it with ipvs_service first")
    assert restores(runner) == []


def test_destination_bad_input():
    result = run_module(ipvs_destination, dict(WEB, destination={"address": "198.51.100.22", "port": 8080,
                                                                 "method": "dr"}), kernel())
    assert result["failed"] and result["msg"].startswith("destination.port=8080: under dr")


def test_destination_kernel_refusal():
    runner = kernel(**{"ipvsadm -R": (1, "", "Memory allocation problem\n")})
    result = run_module(ipvs_destination, dict(WEB, destination={"address": "198.51.100.22", "weight": 0}), runner)
    assert result["failed"] and result["applied"] == [] and result["rc"] == 1
    assert result["stderr"] == "Memory allocation problem"
    assert undocumented_keys(ipvs_destination, result) == set()


def test_info():
    runner = kernel(**{
        "ipvsadm -Ln --exact --stats": (0, ipvs_fixture("list-stats.txt"), ""),
        "ipvsadm -Ln --exact --rate": (0, ipvs_fixture("list-rate.txt"), ""),
        "ipvsadm -Ln --timeout": (0, ipvs_fixture("timeout.txt"), ""),
        "ipvsadm -Ln --daemon": (0, ipvs_fixture("daemon.txt"), ""),
    })
    result = run_module(ipvs_info, {}, runner, check_mode=True)
    assert not result["failed"] and not result["changed"]
    assert len(result["ipvs"]["services"]) == 15
    first = result["ipvs"]["services"][0]
    assert (first["protocol"], first["vip"], first["port"]) == ("tcp", "192.0.2.10", 0)
    assert set(result["ipvs"]) == {"services", "timeouts", "daemons"}
    assert undocumented_keys(ipvs_info, result) == set()


def test_info_read_failure():
    result = run_module(ipvs_info, {}, kernel(**{"ipvsadm -Sn": (2, "", "no ipvs\n")}))
    assert result["failed"] and result["rc"] == 2 and result["msg"] == "ipvsadm -Sn failed (rc=2): no ipvs"
