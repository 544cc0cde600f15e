#!/usr/bin/env python3
"""site.yml on an example cluster: the first converge (fresh lab guests) against the no-op
re-run that follows it, side by side in one run; wall clock, tasks per host, the ratio.

    python3 bench/site_bench.py [--example docs/examples/nat] [--repeat 2]

Each repeat: `lab down` + `lab up` (fresh guests: nothing of the collection's on them),
site.yml (first converge), site.yml again (no-op: must report changed=0). Needs root and
the venv (make setup); uses the lab instance of LVS_LAB_INSTANCE / LVS_LAB_STATE.
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


def site(example):
    state = os.environ.get("LVS_LAB_STATE", os.path.join(ROOT, ".lab"))
    env = dict(os.environ, PATH=os.path.join(ROOT, ".venv", "bin") + ":" + os.environ["PATH"])
    start = time.monotonic()
    done = subprocess.run(SITE_RUN + ["-i", os.path.join(state, "inventory.yml"), "-i", example,
                                      os.path.join(ROOT, "playbooks", "site.yml")],
                          stdout=subprocess.PIPE, text=True, check=True, env=env, cwd=ROOT)
    seconds = time.monotonic() - start
    run = json.loads(done.stdout)
    if run["rc"] != 0 or run["failed"]:
        raise SystemExit("site.yml failed: %s" % run["failed"])
    tasks = dict((host, stats["ok"] + stats.get("skipped", 0)) for host, stats in run["stats"].items())
    changed = dict((host, stats["changed"]) for host, stats in run["stats"].items())
    return seconds, tasks, changed


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--example", default=os.path.join(ROOT, "docs", "examples", "nat"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    firsts, noops = [], []
    for number in range(args.repeat):
        subprocess.run(LAB + ["down"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(LAB + ["up"], check=True, stdout=subprocess.DEVNULL)
        first, tasks, changed_first = site(args.example)
        noop, tasks_noop, changed_noop = site(args.example)
        if any(changed_noop.values()):
            raise SystemExit("the re-run changed something: %s" % changed_noop)
        firsts.append(first)
        noops.append(noop)
        print("run %d: first converge %.1f s (changed %s), no-op %.1f s = %.2fx; tasks per host %s"
              % (number + 1, first, changed_first, noop, noop / first, tasks_noop))
    print("median: first converge %.1f s, no-op %.1f s, ratio %.2f (target <= 0.30)"
          % (statistics.median(firsts), statistics.median(noops),
             statistics.median(n / f for n, f in zip(noops, firsts))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
