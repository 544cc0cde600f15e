#!/usr/bin/env python3
"""Run playbooks/site.yml (or any playbook) and print what it did as one JSON object, for
the lab scenarios' assertions and the benchmarks: which tasks reported changed on which
host, which failed, the recap, and how many module calls each host ran.

    site_run.py [ansible-playbook arguments...]

The ansible.posix.json callback gives every task's result per host; this keeps the
"host: task" names of the changed and failed ones, and per host what the roles' drift step
found (drift: {host: {drifted: [call names], in_sync: bool}}), and per host the real servers
a run removed that it quiesced and waited for (retired: {host: [the ipvs part's retired]}).
Exit status is ansible-playbook's.
"""

import json
import os
import subprocess
import sys


# The facts in which the roles keep whether the host was in sync (tasks/drift.yml)
IN_SYNC_FACTS = ("__router_in_sync", "__real_server_in_sync")
# ... and the parts their converge call changed (tasks/converge.yml)
CHANGED_PARTS_FACTS = ("__router_changed_parts", "__real_server_changed_parts")


def module_calls(result):
    """How many times the task ran a module on the host: a module's result carries its
    invocation (controller-side actions - set_fact, assert, include_vars - and raw do not);
    a loop's items each count. A no_log result shows neither: not counted (the roles' are
    no_log only with a VRRPv2 password)."""
    items = result.get("results") if isinstance(result.get("results"), list) else [result]
    return sum(1 for item in items
               if isinstance(item, dict) and "invocation" in item and not item.get("skipped"))


def summarise(report):
    changed, failed, drift, calls, retired = [], [], {}, {}, {}
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            name = task["task"]["name"]
            for host, result in task.get("hosts", {}).items():
                calls[host] = calls.get(host, 0) + module_calls(result)
                if result.get("failed") or result.get("unreachable"):
                    failed.append({"task": "%s: %s" % (host, name), "msg": result.get("msg", "")})
                elif result.get("changed"):
                    changed.append("%s: %s" % (host, name))
                _drift(drift.setdefault(host, {}), result)
                for part in (result.get("parts") or {}).values():
                    if isinstance(part, dict) and part.get("retired"):
                        retired.setdefault(host, []).extend(part["retired"])
    return {"changed": changed, "failed": failed, "stats": report.get("stats", {}), "module_calls": calls,
            "drift": dict((host, found) for host, found in drift.items() if found), "retired": retired}


def _drift(found, result):
    """What the roles' drift step found on a host: the drift call's drifted calls and the
    role's verdict (in_sync), the last of each in the run."""
    if "drifted" in result and "in_sync" in result:
        found["drifted"] = result["drifted"]
    facts = result.get("ansible_facts") or {}
    for fact in IN_SYNC_FACTS:
        if fact in facts:
            found["in_sync"] = facts[fact]
    for fact in CHANGED_PARTS_FACTS:
        if fact in facts:
            found["changed_parts"] = facts[fact]


def main(argv):
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_CALLBACK_RESULT_FORMAT="json")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    done = subprocess.run(["ansible-playbook"] + argv, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    try:
        summary = summarise(json.loads(done.stdout))
    except ValueError:
        summary = {"changed": [], "failed": [{"task": "ansible-playbook", "msg": done.stdout[-2000:]}], "stats": {}}
    summary["rc"] = done.returncode
    summary["stderr"] = done.stderr[-2000:]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
