"""The collection's AnsibleModule: run_command starts the program directly (no preexec
hook, so Python can vfork) and answers as basic's run_command does; every module runs on it."""

import ast
import glob
import os
import subprocess
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lvs.cluster.plugins.module_utils import ansible_module
from ansible_collections.lvs.cluster.plugins.module_utils.command import C_LOCALE, command_runner

MODULES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")


class Failed(Exception):
    pass


@pytest.fixture
def module():
    with patch_module_args({}):
        made = ansible_module.AnsibleModule(argument_spec={})

    def fail_json(msg, **result):
        raise Failed(dict(result, msg=msg))

    made.fail_json = fail_json
    return made


SCRIPT = 'printf "%s|" "$LC_ALL" "$LANG" "${PYTHONPATH-unset}"; cat; echo oops >&2; exit 3'


def test_runs_the_program_with_stdin_the_c_locale_and_its_exit_status(module, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/tmp/ansible_x/ansible_modlib.zip:/opt/lib")
    rc, out, err = command_runner(module)(["/bin/sh", "-c", SCRIPT], data="table ip t {}\n")
    assert (rc, out, err) == (3, "C|C|/opt/lib|table ip t {}\n", "oops\n")


def test_answers_as_basic_run_command_does(module, monkeypatch):
    """(LC_ALL, which rules every category; basic's run_command leaves LANG at the locale
    AnsibleModule chose for itself, C.UTF-8 here, where it was asked for C)"""
    monkeypatch.setenv("PYTHONPATH", "/tmp/ansible_x/ansible_modlib.zip:/opt/lib")
    argv = ["/bin/sh", "-c", SCRIPT.replace('"$LANG" ', "")]
    ours = command_runner(module)(argv, data="x\n")
    theirs = basic.AnsibleModule.run_command(module, argv, data="x\n", binary_data=True,
                                             environ_update=C_LOCALE, check_rc=False)
    assert ours == theirs


def test_no_ansiballz_path_left_means_no_pythonpath(module, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/tmp/ansible_x/ansible_modlib.zip")
    assert command_runner(module)(["/bin/sh", "-c", SCRIPT])[1] == "C|C|unset|"


def test_text_data_gets_its_newline(module):
    assert module.run_command(["/bin/cat"], data="line")[1] == "line\n"
    assert module.run_command(["/bin/cat"], data="line", binary_data=True)[1] == "line"


def test_the_child_is_started_without_a_preexec_hook(module):
    """The point of the class: with preexec_fn Python forks the whole module process."""
    with mock.patch.object(subprocess, "Popen", wraps=subprocess.Popen) as popen:
        command_runner(module)(["/bin/true"])
    assert popen.call_args.kwargs.get("preexec_fn") is None


def test_other_calls_go_to_basic_run_command(module):
    with mock.patch.object(basic.AnsibleModule, "run_command", return_value=(0, "basic", "")) as theirs:
        assert module.run_command("echo hi", use_unsafe_shell=True) == (0, "basic", "")
        assert module.run_command(["/bin/true"], check_rc=True) == (0, "basic", "")
    assert theirs.call_count == 2


def test_a_program_that_cannot_be_started_fails_the_module_naming_it(module):
    with pytest.raises(Failed) as failed:
        command_runner(module)(["/nonexistent/ipvsadm", "-Sn"])
    assert failed.value.args[0]["cmd"] == "/nonexistent/ipvsadm -Sn"
    assert failed.value.args[0]["rc"] == 2
    assert "No such file" in failed.value.args[0]["msg"]


def test_every_module_runs_on_the_collections_ansible_module():
    for path in sorted(glob.glob(os.path.join(MODULES, "*.py"))):
        tree = ast.parse(open(path).read())
        imports = [(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   for alias in node.names if alias.name == "AnsibleModule"]
        uses = any(isinstance(node, ast.Name) and node.id == "AnsibleModule" for node in ast.walk(tree))
        if uses:
            assert imports == [("ansible_collections.lvs.cluster.plugins.module_utils.ansible_module", "AnsibleModule")], path
