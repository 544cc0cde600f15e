"""drift through its entry point: each call checked by its module's own body in check mode
(the same answer as the module's check mode), nothing applied even outside check mode, a
call that cannot be checked counted as drifted, reads returned as run."""

import pytest

from ansible_collections.lvs.cluster.plugins.modules import config_files, drift, sysctls

from module_harness import FakeRunner, run_module, undocumented_keys

READ = "sysctl -n net.ipv4.ip_forward net.ipv4.vs.conntrack"
SETTINGS = {"net.ipv4.ip_forward": 1, "net.ipv4.vs.conntrack": 1}


def sysctl_args(tmp_path):
    return {"settings": SETTINGS, "path": str(tmp_path / "60-lvs.conf")}


def file_args(tmp_path, content="table ip t {}\n"):
    return {"files": [{"path": str(tmp_path / "router.nft"), "content": content}]}


def calls(tmp_path):
    return [{"name": "sysctls", "module": "sysctls", "args": sysctl_args(tmp_path)},
            {"name": "files", "module": "config_files", "args": file_args(tmp_path)}]


def converge(tmp_path):
    """The state the calls describe: the file written, the sysctl file written by a real run."""
    run_module(sysctls, sysctl_args(tmp_path), FakeRunner({READ: (0, "1\n1\n", "")}))
    run_module(config_files, file_args(tmp_path), FakeRunner({}))


@pytest.mark.parametrize("check_mode", [True, False])
def test_in_sync_when_no_call_would_change(tmp_path, check_mode):
    converge(tmp_path)
    runner = FakeRunner({READ: (0, "1\n1\n", "")})
    result = run_module(drift, {"calls": calls(tmp_path)}, runner, check_mode=check_mode)
    assert not result["failed"] and not result["changed"]
    assert result["in_sync"] and result["drifted"] == []
    assert result["calls"] == {"sysctls": {"changed": False}, "files": {"changed": False}}
    assert undocumented_keys(drift, result) == set()


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_drifted_call_is_named_and_nothing_is_applied(tmp_path, check_mode):
    converge(tmp_path)
    (tmp_path / "router.nft").write_text("edited by hand\n")
    runner = FakeRunner({READ: (0, "0\n1\n", "")})   # ip_forward turned off by hand
    result = run_module(drift, {"calls": calls(tmp_path)}, runner, check_mode=check_mode)
    assert not result["in_sync"] and result["drifted"] == ["sysctls", "files"]
    assert runner.commands() == [READ]   # no sysctl -w, even outside check mode
    assert (tmp_path / "router.nft").read_text() == "edited by hand\n"


def test_the_same_answer_as_the_module_in_check_mode(tmp_path):
    converge(tmp_path)
    for live in ("1\n1\n", "0\n1\n", "1\n0\n"):
        module = run_module(sysctls, sysctl_args(tmp_path), FakeRunner({READ: (0, live, "")}), check_mode=True)
        checked = run_module(drift, {"calls": calls(tmp_path)[:1]}, FakeRunner({READ: (0, live, "")}))
        assert checked["calls"]["sysctls"]["changed"] == module["changed"], live


def test_a_call_that_cannot_be_checked_counts_as_drifted(tmp_path):
    err = "sysctl: cannot stat /proc/sys/net/ipv4/vs/conntrack: No such file or directory\n"
    runner = FakeRunner({READ: (255, "1\n", err)})   # ip_vs not loaded yet: a first run
    result = run_module(drift, {"calls": calls(tmp_path)[:1]}, runner)
    assert not result["failed"] and not result["in_sync"] and result["drifted"] == ["sysctls"]
    assert result["calls"]["sysctls"]["changed"] is None
    assert result["calls"]["sysctls"]["msg"].startswith("settings='net.ipv4.vs.conntrack': the kernel has no such")


def test_bad_options_of_a_call_count_as_drifted_and_are_named(tmp_path):
    result = run_module(drift, {"calls": [{"name": "k", "module": "kernel_modules", "args": {"names": ["ip_vs"]}}]},
                        FakeRunner({}))
    assert result["drifted"] == ["k"] and "path" in result["calls"]["k"]["msg"]


def test_a_missing_executable_counts_as_drifted(tmp_path):
    call = {"name": "ipvs", "module": "ipvs_service", "args": {"services": [], "purge": True}}
    result = run_module(drift, {"calls": [call]}, FakeRunner({}), missing=("ipvsadm",))
    assert result["drifted"] == ["ipvs"] and "ipvsadm" in result["calls"]["ipvs"]["msg"]


def test_reads_are_run_and_returned():
    runner = FakeRunner({"systemctl is-enabled ipvsadm": (1, "disabled\n", "")})
    result = run_module(drift, {"reads": [{"name": "enabled", "argv": ["systemctl", "is-enabled", "ipvsadm"]}]},
                        runner)
    assert result["in_sync"] and result["reads"] == {
        "enabled": {"rc": 1, "stdout": "disabled\n", "stdout_lines": ["disabled"], "stderr": ""}}


def test_a_read_of_a_missing_executable_is_rc_127_not_a_failure():
    runner = FakeRunner({"systemctl is-enabled ipvsadm": (0, "enabled\n", "")})
    reads = [{"name": "daemons", "argv": ["ipvsadm", "-L", "--daemon"]},
             {"name": "enabled", "argv": ["systemctl", "is-enabled", "ipvsadm"]}]
    result = run_module(drift, {"reads": reads}, runner, missing=("ipvsadm",))
    assert not result.get("failed") and result["in_sync"]
    assert result["reads"]["daemons"]["rc"] == 127 and result["reads"]["daemons"]["stdout_lines"] == []
    assert "'ipvsadm'" in result["reads"]["daemons"]["stderr"]
    assert result["reads"]["enabled"]["stdout_lines"] == ["enabled"]


@pytest.mark.parametrize("option,entry", [
    ("calls", {"name": "a", "module": "sysctls", "args": {}}),
    ("reads", {"name": "a", "argv": ["true"]}),
])
def test_a_name_given_twice_is_refused_before_anything_runs(option, entry):
    runner = FakeRunner({})
    result = run_module(drift, {option: [entry, entry]}, runner)
    assert result["failed"] and result["msg"] == "%s[].name='a': given more than once (names are unique)" % option
    assert runner.calls == []


def test_a_command_several_calls_read_with_runs_once(tmp_path):
    # a drift changes nothing, so a repeated read cannot answer differently: the second
    # call's sysctl read runs once
    converge(tmp_path)
    other = dict(sysctl_args(tmp_path), path=str(tmp_path / "61-lvs.conf"))
    runner = FakeRunner({READ: (0, "1\n1\n", "")})
    result = run_module(drift, {"calls": calls(tmp_path)[:1] + [{"name": "again", "module": "sysctls", "args": other}]},
                        runner)
    assert result["calls"] == {"sysctls": {"changed": False}, "again": {"changed": True}}
    assert runner.commands() == [READ]
