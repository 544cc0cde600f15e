"""tests/lab/site_run.py's summary of an ansible.posix.json report: changed and failed tasks
by host, what the roles' read and converge call found, and the module calls per host (the
benchmark's count: a result with an invocation ran a module on the host)."""

import importlib.util
from pathlib import Path

SITE_RUN = Path(__file__).resolve().parents[2] / "lab" / "site_run.py"
spec = importlib.util.spec_from_file_location("site_run", SITE_RUN)
site_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(site_run)


def task(name, hosts):
    return {"task": {"name": name}, "hosts": hosts}


REPORT = {"plays": [{"tasks": [
    task("facts", {"r1": {"invocation": {"module_args": {}}, "ansible_facts": {}}}),
    task("plan", {"r1": {"ansible_facts": {"__router_plan": {}}}}),   # set_fact: no module on the host
    task("read", {"r1": {"invocation": {}, "drifted": ["ipvs"], "in_sync": False}}),
    task("verdict", {"r1": {"ansible_facts": {"__router_in_sync": False}}}),
    task("converge", {"r1": {"censored": "no_log", "changed": True}}),   # no_log: no invocation either
    task("changed parts", {"r1": {"ansible_facts": {"__router_changed_parts": ["ipvs"]}}}),
    task("skipped", {"r1": {"skipped": True}}),
    task("loop", {"r1": {"changed": True, "results": [{"invocation": {}, "changed": True},
                                                       {"skipped": True}, {"invocation": {}}]}}),
    task("broken", {"r2": {"failed": True, "msg": "no"}}),
    # the converge call's parts: the ipvs part's retired real servers kept per host
    task("parts", {"r1": {"parts": {"sysctls": {"changed": False}, "ipvs": {"retired": [{"destination": "d:7", "left": 0}]}}}}),
]}], "stats": {"r1": {"ok": 6}}}


def test_summary():
    summary = site_run.summarise(REPORT)
    assert summary["changed"] == ["r1: converge", "r1: loop"]
    assert summary["failed"] == [{"task": "r2: broken", "msg": "no"}]
    assert summary["drift"] == {"r1": {"drifted": ["ipvs"], "in_sync": False, "changed_parts": ["ipvs"]}}
    assert summary["module_calls"] == {"r1": 4, "r2": 0}
    assert summary["retired"] == {"r1": [{"destination": "d:7", "left": 0}]}
