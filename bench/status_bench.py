#!/usr/bin/env python3
"""playbooks/status.yml on a built example cluster against a one-task playbook
(bench/ping.yml: one ping per host on the same hosts), in the same repeat: wall clock and
the ratio, target <= 2x.

    python3 bench/status_bench.py [--example docs/examples/ha] [--repeat 3]

Each repeat: the ping playbook, status.yml, the ping playbook again (the floor is the mean
of the two pings). The cluster must be built first (site.yml); status.yml must change
nothing. Needs root and the venv (make setup); uses the lab instance of LVS_LAB_INSTANCE /
LVS_LAB_STATE.
"""

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from site_bench import ROOT, site  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--example", default=os.path.join(ROOT, "docs", "examples", "ha"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    ping = os.path.join(ROOT, "bench", "ping.yml")
    status = os.path.join(ROOT, "playbooks", "status.yml")
    ratios = []
    for number in range(args.repeat):
        ping_before = site(args.example, ping)[0]
        seconds, calls, changed = site(args.example, status)
        ping_after = site(args.example, ping)[0]
        if any(changed.values()):
            raise SystemExit("status.yml changed something: %s" % changed)
        floor = (ping_before + ping_after) / 2
        ratios.append(seconds / floor)
        print("run %d: ping %.1f / %.1f s; status.yml %.1f s = %.2fx ping (module calls %s)"
              % (number + 1, ping_before, ping_after, seconds, seconds / floor, calls))
    print("median: status.yml %.2fx ping (target <= 2x)" % statistics.median(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
