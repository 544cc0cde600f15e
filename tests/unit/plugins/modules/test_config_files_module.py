"""config_files through its entry point: several files in one call, compared by content and
mode, every changed file validated before any is replaced, check mode writes nothing."""

import os

import pytest

from ansible_collections.lvs.cluster.plugins.modules import config_files

from module_harness import FakeRunner, run_module


def files(tmp_path, nft="table ip t {}\n", rules="-A -t 192.0.2.10:80 -s wlc\n"):
    return {"files": [
        {"path": str(tmp_path / "etc" / "router.nft"), "content": nft, "validate": ["nft", "-c", "-f", "%s"]},
        {"path": str(tmp_path / "ipvsadm.rules"), "content": rules, "mode": "0600"},
        {"path": str(tmp_path / "old.conf"), "content": None},
    ]}


def nft_answers(rc=0, err=""):
    """Any staged path: the runner is keyed by the exact command, so accept by prefix."""
    class Runner(FakeRunner):
        def run_command(self, args, data=None, **_kwargs):
            command = " ".join([os.path.basename(args[0])] + list(args[1:]))
            self.calls.append((command, data))
            assert command.startswith("nft -c -f ") and "/.lvs-cluster-" in command, command
            assert os.path.exists(args[-1]), "validated a file that is not staged"
            return rc, "", err
    return Runner({})


@pytest.mark.parametrize("check_mode", [True, False])
def test_writes_what_differs_and_removes_what_must_not_exist(tmp_path, check_mode):
    (tmp_path / "old.conf").write_text("stale\n")
    runner = nft_answers()
    result = run_module(config_files, files(tmp_path), runner, check_mode=check_mode, diff=True)
    assert not result["failed"] and result["changed"]
    assert result["changed_files"] == [str(tmp_path / "etc" / "router.nft"), str(tmp_path / "ipvsadm.rules"),
                                       str(tmp_path / "old.conf")]
    assert [d["after"] for d in result["diff"]] == ["table ip t {}\n", "-A -t 192.0.2.10:80 -s wlc\n", ""]
    assert result["diff"][2]["before"] == "stale\n"
    if check_mode:
        assert runner.calls == [] and (tmp_path / "old.conf").exists()
        assert not (tmp_path / "etc").exists()
    else:
        assert len(runner.calls) == 1
        assert (tmp_path / "etc" / "router.nft").read_text() == "table ip t {}\n"
        assert oct(os.stat(tmp_path / "ipvsadm.rules").st_mode & 0o7777) == "0o600"
        assert not (tmp_path / "old.conf").exists()
        assert sorted(os.listdir(tmp_path)) == ["etc", "ipvsadm.rules"]   # nothing staged left


def test_second_run_changes_nothing_and_validates_nothing(tmp_path):
    run_module(config_files, files(tmp_path), nft_answers())
    runner = nft_answers()
    again = run_module(config_files, files(tmp_path), runner)
    assert not again["changed"] and again["changed_files"] == [] and runner.calls == []


def test_a_mode_change_alone_is_a_change(tmp_path):
    run_module(config_files, files(tmp_path), nft_answers())
    os.chmod(tmp_path / "ipvsadm.rules", 0o644)
    result = run_module(config_files, files(tmp_path), nft_answers())
    assert result["changed_files"] == [str(tmp_path / "ipvsadm.rules")]
    assert oct(os.stat(tmp_path / "ipvsadm.rules").st_mode & 0o7777) == "0o600"


def test_a_refused_file_leaves_every_file_as_it_was(tmp_path):
    run_module(config_files, files(tmp_path), nft_answers())
    before = {name: (tmp_path / name).read_text() for name in ("etc/router.nft", "ipvsadm.rules")}
    result = run_module(config_files, files(tmp_path, nft="table ip t { oops\n", rules="-A -t 192.0.2.20:80\n"),
                        nft_answers(rc=1, err="Error: syntax error\n"))
    assert result["failed"] and not result["changed"]
    assert result["msg"].startswith("files: %s refused (validated with nft -c -f %%s, rc=1): Error: syntax error"
                                    % (tmp_path / "etc" / "router.nft"))
    assert {name: (tmp_path / name).read_text() for name in before} == before
    assert sorted(os.listdir(tmp_path / "etc")) == ["router.nft"]


@pytest.mark.parametrize("entry, message", [
    ({"path": "relative/file", "content": "x"}, "files[0].path='relative/file': must be an absolute file path"),
    ({"path": "/etc/x", "content": "x", "mode": "rw"}, "files[0].mode='rw': must be an octal mode"),
    ({"path": "/etc/x", "content": "x", "validate": ["nft", "-c"]},
     "files[0].validate=['nft', '-c']: must be a command as a list, one argument holding %s"),
])
def test_bad_input_is_named_and_nothing_runs(tmp_path, entry, message):
    runner = FakeRunner({})
    result = run_module(config_files, {"files": [entry]}, runner)
    assert result["failed"] and result["msg"].startswith(message) and runner.calls == []


def test_a_path_listed_twice_is_refused(tmp_path):
    path = str(tmp_path / "x")
    result = run_module(config_files, {"files": [{"path": path, "content": "a"}, {"path": path, "content": "b"}]},
                        FakeRunner({}))
    assert result["failed"] and result["msg"] == "files[1].path=%r: is listed twice" % path
    assert not os.path.exists(path)


def test_links_enable_units_and_are_replaced_or_removed(tmp_path):
    wants = tmp_path / "wants" / "x.service"
    args = {"files": [{"path": str(wants), "link": "/etc/systemd/system/x.service"},
                      {"path": str(tmp_path / "wants" / "old.service"), "content": None}]}
    (tmp_path / "wants").mkdir()
    os.symlink("/elsewhere", str(tmp_path / "wants" / "old.service"))   # dangling: still removed
    result = run_module(config_files, args, FakeRunner({}), diff=True)
    assert result["changed_files"] == [str(wants), str(tmp_path / "wants" / "old.service")]
    assert os.readlink(str(wants)) == "/etc/systemd/system/x.service"
    assert not os.path.lexists(str(tmp_path / "wants" / "old.service"))
    assert result["diff"][0]["after"] == "-> /etc/systemd/system/x.service"
    assert not run_module(config_files, args, FakeRunner({}))["changed"]
    os.unlink(str(wants))
    os.symlink("/wrong", str(wants))
    assert run_module(config_files, args, FakeRunner({}))["changed_files"] == [str(wants)]
    assert os.readlink(str(wants)) == "/etc/systemd/system/x.service"


def test_a_link_with_content_is_refused(tmp_path):
    result = run_module(config_files, {"files": [{"path": "/etc/x", "link": "/y", "content": "z"}]}, FakeRunner({}))
    assert result["failed"] and result["msg"].startswith("files[0].link='/y': a link has no content")


def units(tmp_path, unit="[Unit]\nDescription=x\n"):
    unit_dir = tmp_path / "systemd" / "system"
    return {"files": [{"path": str(unit_dir / "x.service"), "content": unit},
                      {"path": str(unit_dir / "multi-user.target.wants" / "x.service"), "link": str(unit_dir / "x.service")},
                      {"path": str(tmp_path / "x.conf"), "content": "x\n"}],
            "daemon_reload": True}


@pytest.fixture
def unit_directory(tmp_path, monkeypatch):
    """systemd's unit directories, here: tmp_path/systemd/system/."""
    from ansible_collections.lvs.cluster.plugins.module_utils import config_files as logic
    monkeypatch.setattr(logic, "UNIT_DIRECTORIES", (str(tmp_path / "systemd" / "system") + "/",))


def test_new_units_and_links_need_no_daemon_reload(tmp_path, unit_directory):
    runner = FakeRunner({})
    result = run_module(config_files, units(tmp_path), runner)
    assert result["changed"] and result["daemon_reloaded"] is False and runner.calls == []
    assert os.readlink(str(tmp_path / "systemd" / "system" / "multi-user.target.wants" / "x.service")) == str(
        tmp_path / "systemd" / "system" / "x.service")


@pytest.mark.parametrize("check_mode", [True, False])
def test_daemon_reload_runs_once_after_a_unit_changed_and_check_mode_predicts_it(tmp_path, unit_directory, check_mode):
    run_module(config_files, units(tmp_path), FakeRunner({}))
    runner = FakeRunner({"systemctl daemon-reload": (0, "", "")})
    result = run_module(config_files, units(tmp_path, unit="[Unit]\nDescription=y\n"), runner, check_mode=check_mode)
    assert not result["failed"] and result["daemon_reloaded"] is True
    assert runner.commands() == ([] if check_mode else ["systemctl daemon-reload"])
    assert (tmp_path / "systemd" / "system" / "x.service").read_text().endswith("=" + ("x" if check_mode else "y") + "\n")


def test_a_removed_unit_is_a_daemon_reload(tmp_path, unit_directory):
    run_module(config_files, units(tmp_path), FakeRunner({}))
    args = units(tmp_path)
    args["files"][0]["content"] = None
    del args["files"][1]
    runner = FakeRunner({"systemctl daemon-reload": (0, "", "")})
    result = run_module(config_files, args, runner)
    assert result["daemon_reloaded"] is True and runner.commands() == ["systemctl daemon-reload"]


def test_no_daemon_reload_when_only_other_files_changed_or_nothing(tmp_path, unit_directory):
    run_module(config_files, units(tmp_path), FakeRunner({}))
    (tmp_path / "x.conf").write_text("changed by hand\n")
    runner = FakeRunner({})
    result = run_module(config_files, units(tmp_path), runner)
    assert result["changed_files"] == [str(tmp_path / "x.conf")] and result["daemon_reloaded"] is False
    again = run_module(config_files, units(tmp_path), runner)
    assert not again["changed"] and again["daemon_reloaded"] is False and runner.calls == []


def test_no_daemon_reload_unless_asked(tmp_path, unit_directory):
    run_module(config_files, units(tmp_path), FakeRunner({}))
    args = dict(units(tmp_path, unit="[Unit]\nDescription=y\n"), daemon_reload=False)
    result = run_module(config_files, args, FakeRunner({}))
    assert result["changed"] and result["daemon_reloaded"] is False


def test_a_failed_daemon_reload_says_the_files_are_written(tmp_path, unit_directory):
    run_module(config_files, units(tmp_path), FakeRunner({}))
    runner = FakeRunner({"systemctl daemon-reload": (1, "", "Failed to reload daemon: Access denied\n")})
    result = run_module(config_files, units(tmp_path, unit="[Unit]\nDescription=y\n"), runner)
    assert result["failed"] and result["changed"] and result["rc"] == 1
    assert result["msg"] == ("daemon_reload: systemctl daemon-reload failed (rc=1): Failed to reload daemon: "
                             "Access denied; the unit files are written, run it by hand")
    assert (tmp_path / "systemd" / "system" / "x.service").read_text().endswith("=y\n")


def test_without_systemctl_nothing_is_written(tmp_path, unit_directory):
    run_module(config_files, units(tmp_path), FakeRunner({}))
    result = run_module(config_files, units(tmp_path, unit="[Unit]\nDescription=y\n"), FakeRunner({}),
                        missing=("systemctl",))
    assert result["failed"] and result["msg"].startswith("daemon_reload=true: needs the executable 'systemctl'")
    assert (tmp_path / "systemd" / "system" / "x.service").read_text().endswith("=x\n")
