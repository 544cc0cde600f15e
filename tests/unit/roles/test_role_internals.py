"""A role's internal variables carry its double-underscore prefix (__router_*,
__real_server_*): every name a role's tasks set (set_fact, register) or its vars/ define, so
that nothing of a role's inner workings can clash with, or be mistaken for, a public
variable (router_*, real_server_*) or another role's."""

from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[3] / "roles"


def tasks_of(items):
    for task in items or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks_of(task.get(key))


def names_set(role):
    """(file, name) of every variable the role's tasks set or register, and its vars define."""
    found = []
    for path in sorted((ROLES / role / "tasks").glob("*.yml")):
        for task in tasks_of(yaml.safe_load(path.read_text())):
            if "register" in task:
                found.append((path.name, task["register"]))
            for key in ("ansible.builtin.set_fact", "set_fact"):
                found.extend((path.name, name) for name in (task.get(key) or {}) if name != "cacheable")
            found.extend((path.name, name) for name in (task.get("vars") or {}))
    for path in sorted((ROLES / role / "vars").glob("*.yml")):
        found.extend((path.name, name) for name in (yaml.safe_load(path.read_text()) or {}))
    return found


@pytest.mark.parametrize("role", ["router", "real_server"])
def test_internal_names_carry_the_role_prefix(role):
    found = names_set(role)
    assert found, "no variable found: the scan reads nothing"
    wrong = [(path, name) for path, name in found if not name.startswith("__%s_" % role)]
    assert wrong == []


def test_the_scan_sees_a_wrong_name(tmp_path, monkeypatch):
    role = tmp_path / "roles" / "router"
    (role / "tasks").mkdir(parents=True)
    (role / "vars").mkdir()
    (role / "tasks" / "main.yml").write_text(
        "- name: x\n  block:\n    - name: y\n      ansible.builtin.set_fact:\n        router_leak: 1\n")
    monkeypatch.setattr(__import__(__name__), "ROLES", tmp_path / "roles")
    assert names_set("router") == [("main.yml", "router_leak")]
