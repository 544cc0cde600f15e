#!/usr/bin/env python3
"""site.yml on an example cluster: the first converge (fresh lab guests) and the no-op
re-run that follows it, each against a one-task playbook (bench/ping.yml: one ping per
host) run in the same repeat; wall clock, module calls per host, the ratios.

    python3 bench/site_bench.py [--example docs/examples/nat] [--repeat 2]

Each repeat: `lab reset` (fresh guests: nothing of the collection's on them),
the ping playbook, site.yml (first converge), site.yml again (no-op: must report
changed=0), the ping playbook again. Needs root and the venv (make setup); uses the lab
instance of LVS_LAB_INSTANCE / LVS_LAB_STATE.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = ["python3", os.path.join(ROOT, "lab", "lab")]
SITE_RUN = [os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(ROOT, "tests", "lab", "site_run.py")]


def site(example, playbook=os.path.join(ROOT, "playbooks", "site.yml")):
    """(seconds, module calls per host, changed tasks per host) of one playbook run."""
    state = os.environ.get("LVS_LAB_STATE", os.path.join(ROOT, ".lab"))
    env = dict(os.environ, PATH=os.path.join(ROOT, ".venv", "bin") + ":" + os.environ["PATH"])
    start = time.monotonic()
    done = subprocess.run(SITE_RUN + ["-i", os.path.join(state, "inventory.yml"), "-i", example, playbook],
                          stdout=subprocess.PIPE, text=True, check=True, env=env, cwd=ROOT)
    seconds = time.monotonic() - start
    run = json.loads(done.stdout)
    if run["rc"] != 0 or run["failed"]:
        raise SystemExit("site.yml failed: %s" % run["failed"])
    changed = dict((host, stats["changed"]) for host, stats in run["stats"].items())
    return seconds, run["module_calls"], changed


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--example", default=os.path.join(ROOT, "docs", "examples", "nat"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    ping = os.path.join(ROOT, "bench", "ping.yml")
    rows = []
    for number in range(args.repeat):
        subprocess.run(LAB + ["reset"], check=True, stdout=subprocess.DEVNULL)
        ping_before = site(args.example, ping)[0]
        first, calls_first, changed_first = site(args.example)
        noop, calls_noop, changed_noop = site(args.example)
        ping_after = site(args.example, ping)[0]
        if any(changed_noop.values()):
            raise SystemExit("the re-run changed something: %s" % changed_noop)
        floor = (ping_before + ping_after) / 2
        rows.append((first / floor, noop / floor))
        print("run %d: ping %.1f / %.1f s; first converge %.1f s = %.1fx ping (module calls %s; changed %s); "
              "no-op %.1f s = %.1fx ping (module calls %s)"
              % (number + 1, ping_before, ping_after, first, first / floor, calls_first, changed_first,
                 noop, noop / floor, calls_noop))
    print("median: first converge %.1fx ping (target <= 8x), no-op %.1fx ping (target <= 3x)"
          % (statistics.median(row[0] for row in rows), statistics.median(row[1] for row in rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
