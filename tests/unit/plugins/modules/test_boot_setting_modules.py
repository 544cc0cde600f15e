"""sysctls and kernel_modules through their entry points: the live state and the boot file
are both compared and both converged, check mode changes nothing, failures name the key."""

import pytest

from ansible_collections.lvs.cluster.plugins.modules import kernel_modules, sysctls

from module_harness import FakeRunner, run_module

SETTINGS = {"net.ipv4.ip_forward": 1, "net.ipv4.vs.conntrack": 1}
READ = "sysctl -n net.ipv4.ip_forward net.ipv4.vs.conntrack"


def sysctl_args(tmp_path):
    return {"settings": SETTINGS, "comments": {"net.ipv4.ip_forward": "NAT replies"},
            "path": str(tmp_path / "60-lvs.conf")}


@pytest.mark.parametrize("check_mode", [True, False])
def test_sysctls_sets_what_differs_and_writes_the_file(tmp_path, check_mode):
    runner = FakeRunner({READ: (0, "0\n1\n", ""), "sysctl -w net.ipv4.ip_forward=1": (0, "", "")})
    result = run_module(sysctls, sysctl_args(tmp_path), runner, check_mode=check_mode, diff=True)
    assert not result["failed"] and result["changed"] and result["file_changed"]
    assert result["live_changes"] == {"net.ipv4.ip_forward": "1"}
    assert result["commands"] == ["sysctl -w net.ipv4.ip_forward=1"]
    assert "# live: net.ipv4.ip_forward = 0" in result["diff"]["before"]
    assert "# live: net.ipv4.ip_forward = 1" in result["diff"]["after"]
    written = tmp_path / "60-lvs.conf"
    if check_mode:
        assert runner.commands() == [READ] and not written.exists()
    else:
        assert runner.commands() == [READ, "sysctl -w net.ipv4.ip_forward=1"]
        assert "# NAT replies\nnet.ipv4.ip_forward = 1\n" in written.read_text()


def test_sysctls_second_run_changes_nothing(tmp_path):
    runner = FakeRunner({READ: (0, "0\n1\n", ""), "sysctl -w net.ipv4.ip_forward=1": (0, "", "")})
    run_module(sysctls, sysctl_args(tmp_path), runner)
    again = run_module(sysctls, sysctl_args(tmp_path), FakeRunner({READ: (0, "1\n1\n", "")}))
    assert not again["changed"] and again["commands"] == []


def test_sysctls_heals_a_live_value_the_file_still_has(tmp_path):
    run_module(sysctls, sysctl_args(tmp_path), FakeRunner({READ: (0, "1\n1\n", "")}))
    drifted = FakeRunner({READ: (0, "1\n0\n", ""), "sysctl -w net.ipv4.vs.conntrack=1": (0, "", "")})
    result = run_module(sysctls, sysctl_args(tmp_path), drifted)
    assert result["changed"] and not result["file_changed"]
    assert result["commands"] == ["sysctl -w net.ipv4.vs.conntrack=1"]


# ---- what the collection set, it takes back

def first_run(tmp_path):
    """The file as a first run left it, the kernel having had ip_forward 0 and conntrack 1."""
    runner = FakeRunner({READ: (0, "0\n1\n", ""), "sysctl -w net.ipv4.ip_forward=1": (0, "", "")})
    run_module(sysctls, sysctl_args(tmp_path), runner)
    return tmp_path / "60-lvs.conf"


def test_sysctls_records_what_each_parameter_was_before_it_set_it(tmp_path):
    text = first_run(tmp_path).read_text()
    assert text.endswith("# was net.ipv4.ip_forward = 0\n# was net.ipv4.vs.conntrack = 1\n")
    # a later run keeps the record (the live value is the collection's own by then)
    run_module(sysctls, sysctl_args(tmp_path), FakeRunner({READ: (0, "1\n1\n", "")}))
    assert (tmp_path / "60-lvs.conf").read_text() == text


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_parameter_dropped_from_the_settings_is_put_back(tmp_path, check_mode):
    path = first_run(tmp_path)
    runner = FakeRunner({"sysctl -n net.ipv4.vs.conntrack": (0, "1\n", ""),
                         "sysctl -e net.ipv4.ip_forward": (0, "net.ipv4.ip_forward = 1\n", ""),
                         "sysctl -w net.ipv4.ip_forward=0": (0, "", "")})
    args = dict(sysctl_args(tmp_path), settings={"net.ipv4.vs.conntrack": 1}, comments={})
    result = run_module(sysctls, args, runner, check_mode=check_mode, diff=True)
    assert result["changed"] and result["live_changes"] == {"net.ipv4.ip_forward": "0"}
    assert result["commands"] == ["sysctl -w net.ipv4.ip_forward=0"]
    assert "# live: net.ipv4.ip_forward = 0" in result["diff"]["after"]
    assert ("sysctl -w net.ipv4.ip_forward=0" in runner.commands()) != check_mode
    assert ("ip_forward" in path.read_text()) == check_mode
    if not check_mode:
        again = run_module(sysctls, args, FakeRunner({"sysctl -n net.ipv4.vs.conntrack": (0, "1\n", "")}))
        assert not again["changed"]


@pytest.mark.parametrize("live", ["net.ipv4.ip_forward = 0\n", ""], ids=["changed by hand since", "gone"])
def test_a_dropped_parameter_someone_else_changed_or_gone_is_left_alone(tmp_path, live):
    first_run(tmp_path)
    runner = FakeRunner({"sysctl -n net.ipv4.vs.conntrack": (0, "1\n", ""), "sysctl -e net.ipv4.ip_forward": (0, live, "")})
    args = dict(sysctl_args(tmp_path), settings={"net.ipv4.vs.conntrack": 1}, comments={})
    result = run_module(sysctls, args, runner)
    assert result["changed"] and result["file_changed"] and result["live_changes"] == {} and result["commands"] == []


def test_no_settings_left_puts_back_every_parameter_and_removes_the_file(tmp_path):
    path = first_run(tmp_path)
    runner = FakeRunner({"sysctl -e net.ipv4.ip_forward net.ipv4.vs.conntrack":
                         (0, "net.ipv4.ip_forward = 1\nnet.ipv4.vs.conntrack = 1\n", ""),
                         "sysctl -w net.ipv4.ip_forward=0": (0, "", "")})
    result = run_module(sysctls, {"settings": {}, "path": str(path)}, runner)
    assert result["changed"] and result["commands"] == ["sysctl -w net.ipv4.ip_forward=0"]   # conntrack was 1
    assert not path.exists()


def test_sysctls_unknown_key_is_named_and_nothing_written(tmp_path):
    err = "sysctl: cannot stat /proc/sys/net/ipv4/vs/conntrack: No such file or directory\n"
    runner = FakeRunner({READ: (255, "1\n", err)})
    result = run_module(sysctls, sysctl_args(tmp_path), runner)
    assert result["failed"] and result["msg"].startswith("settings='net.ipv4.vs.conntrack': the kernel has no such parameter")
    assert not (tmp_path / "60-lvs.conf").exists()


@pytest.mark.parametrize("settings", [[], {"bad key": 1}, {"net.ipv4.ip_forward": "1\n0"}])
def test_sysctls_bad_input_runs_nothing(tmp_path, settings):
    runner = FakeRunner({})
    result = run_module(sysctls, {"settings": settings, "path": str(tmp_path / "x.conf")}, runner)
    assert result["failed"] and runner.calls == [] and "settings" in result["msg"]


def test_sysctls_write_failure_reports_rc(tmp_path):
    runner = FakeRunner({READ: (0, "0\n1\n", ""), "sysctl -w net.ipv4.ip_forward=1": (1, "", "permission denied\n")})
    result = run_module(sysctls, sysctl_args(tmp_path), runner)
    assert result["failed"] and result["rc"] == 1 and result["applied"] == []
    assert not (tmp_path / "60-lvs.conf").exists()


@pytest.fixture
def loaded(monkeypatch):
    modules = {"ip_vs"}
    monkeypatch.setattr(kernel_modules.body, "_loaded", lambda: set(modules))
    return modules


@pytest.mark.parametrize("check_mode", [True, False])
def test_kernel_modules_loads_the_missing_ones(tmp_path, loaded, check_mode):
    path = tmp_path / "lvs.conf"
    runner = FakeRunner({"modprobe -a ip_vs_ftp nf-conntrack": (0, "", "")})
    result = run_module(kernel_modules, {"names": ["ip_vs", "ip_vs_ftp", "nf-conntrack"], "path": str(path)},
                        runner, check_mode=check_mode, diff=True)
    assert result["changed"] and result["loaded"] == ["ip_vs_ftp", "nf-conntrack"]
    assert result["commands"] == ["modprobe -a ip_vs_ftp nf-conntrack"]
    assert path.exists() is (not check_mode)
    assert runner.calls == ([] if check_mode else [("modprobe -a ip_vs_ftp nf-conntrack", None)])


def test_kernel_modules_unchanged_when_loaded_and_listed(tmp_path, loaded):
    path = tmp_path / "lvs.conf"
    loaded.update({"ip_vs_ftp"})
    first = run_module(kernel_modules, {"names": ["ip_vs", "ip_vs_ftp"], "path": str(path)}, FakeRunner({}))
    assert first["changed"] and first["file_changed"] and first["commands"] == []
    again = run_module(kernel_modules, {"names": ["ip_vs", "ip_vs_ftp"], "path": str(path)}, FakeRunner({}))
    assert not again["changed"]


def test_kernel_modules_refused_load_and_bad_names(tmp_path, loaded):
    runner = FakeRunner({"modprobe -a ip_vs_nope": (1, "", "modprobe: FATAL: Module ip_vs_nope not found\n")})
    result = run_module(kernel_modules, {"names": ["ip_vs_nope"], "path": str(tmp_path / "x")}, runner)
    assert result["failed"] and result["rc"] == 1 and "ip_vs_nope" in result["stderr"]
    bad = run_module(kernel_modules, {"names": ["ip vs"], "path": str(tmp_path / "x")}, FakeRunner({}))
    assert bad["failed"] and bad["msg"].startswith("names[0]='ip vs'")


def loaded_by_a_first_run(tmp_path, loaded):
    """The file a first run wrote: ip_vs was loaded before, ip_vs_ftp and ipip it loaded."""
    path = tmp_path / "lvs.conf"
    run_module(kernel_modules, {"names": ["ip_vs", "ip_vs_ftp", "ipip"], "path": str(path)},
               FakeRunner({"modprobe -a ip_vs_ftp ipip": (0, "", "")}))
    loaded.update({"ip_vs_ftp", "ipip"})
    return path


def test_kernel_modules_records_the_ones_it_loaded(tmp_path, loaded):
    path = loaded_by_a_first_run(tmp_path, loaded)
    assert path.read_text().endswith("ipip\n\n# " + "Not loaded before lvs.cluster loaded them (unloaded when the "
                                     "description stops asking for one):\n# loaded ip_vs_ftp\n# loaded ipip\n")
    again = run_module(kernel_modules, {"names": ["ip_vs", "ip_vs_ftp", "ipip"], "path": str(path)}, FakeRunner({}))
    assert not again["changed"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_kernel_modules_unloads_what_it_loaded_and_is_no_longer_asked_for(tmp_path, loaded, check_mode):
    path = loaded_by_a_first_run(tmp_path, loaded)
    runner = FakeRunner({"modprobe -r ipip": (0, "", "")})
    result = run_module(kernel_modules, {"names": ["ip_vs_ftp"], "path": str(path)}, runner, check_mode=check_mode)
    # ip_vs was loaded before the collection: it stays
    assert result["changed"] and result["unloaded"] == ["ipip"] and result["loaded"] == []
    assert result["commands"] == ["modprobe -r ipip"]
    assert runner.commands() == ([] if check_mode else ["modprobe -r ipip"])
    assert ("ipip" in path.read_text()) == check_mode


def test_kernel_modules_unloads_all_it_loaded_when_none_is_asked_for(tmp_path, loaded):
    path = loaded_by_a_first_run(tmp_path, loaded)
    runner = FakeRunner({"modprobe -r ip_vs_ftp ipip": (0, "", "")})
    result = run_module(kernel_modules, {"names": [], "path": str(path)}, runner)
    assert result["commands"] == ["modprobe -r ip_vs_ftp ipip"] and not path.exists()


def test_kernel_modules_a_refused_unload_fails_and_keeps_the_file(tmp_path, loaded):
    path = loaded_by_a_first_run(tmp_path, loaded)
    text = path.read_text()
    runner = FakeRunner({"modprobe -r ipip": (1, "", "modprobe: FATAL: Module ipip is in use.\n")})
    result = run_module(kernel_modules, {"names": ["ip_vs", "ip_vs_ftp"], "path": str(path)}, runner)
    assert result["failed"] and result["rc"] == 1 and result["applied"] == [] and "in use" in result["msg"]
    assert path.read_text() == text


def test_empty_lists_remove_the_files(tmp_path, loaded):
    path = tmp_path / "lvs.conf"
    path.write_text("# old\nipip\n")
    result = run_module(kernel_modules, {"names": [], "path": str(path)}, FakeRunner({}))
    assert result["changed"] and result["commands"] == [] and not path.exists()
    assert not run_module(kernel_modules, {"names": [], "path": str(path)}, FakeRunner({}))["changed"]
    conf = tmp_path / "60.conf"
    conf.write_text("net.ipv4.conf.all.rp_filter = 0\n")
    runner = FakeRunner({})
    result = run_module(sysctls, {"settings": {}, "path": str(conf)}, runner, check_mode=True)
    assert result["changed"] and conf.exists() and runner.calls == []
    result = run_module(sysctls, {"settings": {}, "path": str(conf)}, runner)
    assert result["changed"] and not conf.exists() and runner.calls == []
