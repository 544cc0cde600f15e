"""converge through its entry point: the parts applied in order by their modules' own bodies
(each part's result the module's own, in check mode too), a second run changing nothing,
the first failure stopping the run with what came before it reported, diffs headed by the
part's name."""

import pytest

from ansible_collections.lvs.cluster.plugins.modules import config_files, converge, sysctls

from module_harness import FakeRunner, run_module, undocumented_keys

READ = "sysctl -n net.ipv4.ip_forward net.ipv4.vs.conntrack"
WRITE = "sysctl -w net.ipv4.ip_forward=1"
SETTINGS = {"net.ipv4.ip_forward": 1, "net.ipv4.vs.conntrack": 1}


def sysctl_args(tmp_path):
    return {"settings": SETTINGS, "path": str(tmp_path / "60-lvs.conf")}


def file_args(tmp_path, content="table ip t {}\n"):
    return {"files": [{"path": str(tmp_path / "router.nft"), "content": content}]}


def parts(tmp_path):
    return [{"name": "sysctls", "module": "sysctls", "args": sysctl_args(tmp_path)},
            {"name": "files", "module": "config_files", "args": file_args(tmp_path)}]


def test_the_parts_are_applied_in_order_and_a_second_run_changes_nothing(tmp_path):
    runner = FakeRunner({READ: (0, "0\n1\n", ""), WRITE: (0, "", "")})   # ip_forward off
    result = run_module(converge, {"parts": parts(tmp_path)}, runner)
    assert not result["failed"] and result["changed"]
    assert result["changed_parts"] == ["sysctls", "files"]
    assert runner.commands() == [READ, WRITE]
    assert result["parts"]["sysctls"]["commands"] == result["commands"] == [WRITE]
    assert (tmp_path / "router.nft").read_text() == "table ip t {}\n"
    assert (tmp_path / "60-lvs.conf").exists()
    assert undocumented_keys(converge, result) == set()

    again = run_module(converge, {"parts": parts(tmp_path)}, FakeRunner({READ: (0, "1\n1\n", "")}))
    assert not again["failed"] and not again["changed"] and again["changed_parts"] == []
    assert again["parts"]["sysctls"]["changed"] is False and again["parts"]["files"]["changed"] is False


def test_check_mode_gives_each_module_s_own_prediction_and_applies_nothing(tmp_path):
    live = (0, "0\n1\n", "")
    result = run_module(converge, {"parts": parts(tmp_path)}, FakeRunner({READ: live}), check_mode=True)
    alone = run_module(sysctls, sysctl_args(tmp_path), FakeRunner({READ: live}), check_mode=True)
    files = run_module(config_files, file_args(tmp_path), FakeRunner({}), check_mode=True)
    assert result["changed_parts"] == ["sysctls", "files"]
    assert result["parts"]["sysctls"] == dict((k, v) for k, v in alone.items() if k != "failed")
    assert result["parts"]["files"]["changed"] is files["changed"] is True
    assert not (tmp_path / "router.nft").exists() and not (tmp_path / "60-lvs.conf").exists()


def test_the_result_of_a_part_is_the_module_s_own(tmp_path):
    live = (0, "0\n1\n", "")
    result = run_module(converge, {"parts": parts(tmp_path)[:1]}, FakeRunner({READ: live, WRITE: (0, "", "")}))
    (tmp_path / "60-lvs.conf").unlink()
    alone = run_module(sysctls, sysctl_args(tmp_path), FakeRunner({READ: live, WRITE: (0, "", "")}))
    assert result["parts"]["sysctls"] == dict((k, v) for k, v in alone.items() if k != "failed")


def test_diff_mode_heads_each_changed_part_s_diff_with_its_name(tmp_path):
    runner = FakeRunner({READ: (0, "1\n1\n", "")})    # the sysctls as wanted, only their file missing
    result = run_module(converge, {"parts": parts(tmp_path)}, runner, check_mode=True, diff=True)
    headers = [entry["before_header"] for entry in result["diff"]]
    assert headers == ["sysctls", "files: %s" % (tmp_path / "router.nft")]
    assert all(entry["after_header"] == entry["before_header"] for entry in result["diff"])
    assert "net.ipv4.ip_forward = 1" in result["diff"][0]["after"]

    unchanged = run_module(converge, {"parts": parts(tmp_path)[:1]}, FakeRunner({READ: (0, "1\n1\n", "")}),
                           check_mode=True, diff=False)
    assert "diff" not in unchanged


def test_the_first_failure_stops_the_run_and_names_the_part(tmp_path):
    err = "sysctl: cannot stat /proc/sys/net/ipv4/vs/conntrack: No such file or directory\n"
    later = {"name": "later", "module": "config_files", "args": file_args(tmp_path / "x")}
    files_first = [parts(tmp_path)[1], parts(tmp_path)[0], later]
    (tmp_path / "x").mkdir()
    result = run_module(converge, {"parts": files_first}, FakeRunner({READ: (255, "1\n", err)}))
    assert result["failed"] and result["failed_part"] == "sysctls"
    assert result["msg"].startswith("sysctls (parts[1], sysctls): settings='net.ipv4.vs.conntrack': ")
    assert result["changed"] and result["changed_parts"] == ["files"]      # what came before: applied
    assert (tmp_path / "router.nft").exists()
    assert result["parts"]["sysctls"]["failed"] and "later" not in result["parts"]
    assert not (tmp_path / "x" / "router.nft").exists()                    # nothing after it ran
    assert undocumented_keys(converge, result) == set()


def test_bad_options_of_a_part_fail_it_by_name_before_it_runs(tmp_path):
    bad = [{"name": "k", "module": "kernel_modules", "args": {"names": ["ip_vs"]}}] + parts(tmp_path)
    runner = FakeRunner({})
    result = run_module(converge, {"parts": bad}, runner)
    assert result["failed"] and result["failed_part"] == "k" and not result["changed"]
    assert result["msg"].startswith("k (parts[0], kernel_modules): ") and "path" in result["msg"]
    assert runner.calls == [] and list(result["parts"]) == ["k"]


def test_a_name_given_twice_is_refused_before_anything_runs(tmp_path):
    runner = FakeRunner({})
    twice = [parts(tmp_path)[1], parts(tmp_path)[1]]
    result = run_module(converge, {"parts": twice}, runner)
    assert result["failed"] and result["msg"] == "parts[].name='files': given more than once (names are unique)"
    assert runner.calls == [] and not (tmp_path / "router.nft").exists()


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_missing_executable_fails_the_part(tmp_path, check_mode):
    part = {"name": "ipvs", "module": "ipvs_service", "args": {"services": [], "purge": True}}
    result = run_module(converge, {"parts": [part]}, FakeRunner({}), check_mode=check_mode, missing=("ipvsadm",))
    assert result["failed"] and result["failed_part"] == "ipvs" and "ipvsadm" in result["msg"]
