#!/usr/bin/env python3
"""The client-visible failover gap of docs/examples/ha with two advert intervals, side by
side in one run: keepalived's default (1 s) and the example's sub-second one (0.2 s).

    python3 bench/failover_bench.py [--repeat 2] [--intervals 1 0.2]

For each interval: site.yml with the example's description and that advert_interval (the
role reloads keepalived), then twice each of: steady traffic to web (25 requests/s, 0.5 s
to answer, 14 s) while (a) keepalived stops on router1 after 4 s, (b) router1's power is
cut after 4 s (`lab power-cut`, then `lab up`). The longest time without a successful
answer is the gap. Ends with the example's own description applied again. Needs root, the
venv (make setup) and the lab up with the example built (make demo
DEMO_EXAMPLE=docs/examples/ha).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = ["python3", os.path.join(ROOT, "lab", "lab")]
EXAMPLE = os.path.join(ROOT, "docs", "examples", "ha")
SITE_RUN = [os.path.join(ROOT, ".venv", "bin", "python"), os.path.join(ROOT, "tests", "lab", "site_run.py")]
STEADY = ["traffic", "--rate", "25", "--duration", "14", "--timeout", "0.5", "192.0.2.10:80"]


def site(extra_vars_file, tags=("router_keepalived",)):
    state = os.environ.get("LVS_LAB_STATE", os.path.join(ROOT, ".lab"))
    env = dict(os.environ, PATH=os.path.join(ROOT, ".venv", "bin") + ":" + os.environ["PATH"])
    args = SITE_RUN + ["-i", os.path.join(state, "inventory.yml"), "-i", EXAMPLE,
                       os.path.join(ROOT, "playbooks", "site.yml")]
    if tags:
        args += ["--tags", ",".join(tags)]
    if extra_vars_file:
        args += ["-e", "@" + extra_vars_file]
    run = json.loads(subprocess.run(args, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT).stdout)
    if run["rc"] != 0 or run["failed"]:
        raise SystemExit("site.yml failed: %s" % run["failed"])


def lab(*words):
    return subprocess.run(LAB + list(words), stdout=subprocess.PIPE, text=True, check=True).stdout


def router1_is_master():
    for _ in range(60):
        out = lab("ssh", "router1", "ip", "-o", "addr", "show")
        if " 192.0.2.10/32 " in out:
            return
        time.sleep(1)
    raise SystemExit("router1 did not take the master role back")


def failover(kind):
    """The steady traffic's result while router1 fails (kind: stop or power-cut)."""
    traffic = subprocess.Popen(LAB + STEADY, stdout=subprocess.PIPE, text=True)
    time.sleep(4)
    if kind == "stop":
        lab("ssh", "router1", "systemctl", "stop", "keepalived")
    else:
        lab("power-cut", "router1")
    result = json.loads(traffic.communicate()[0])
    if kind == "stop":
        lab("ssh", "router1", "systemctl", "start", "keepalived")
    else:
        lab("up")
    router1_is_master()
    return result


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--intervals", type=float, nargs="+", default=[1.0, 0.2])
    args = parser.parse_args(argv)
    with open(os.path.join(EXAMPLE, "group_vars", "all.yml"), encoding="utf-8") as handle:
        description = yaml.safe_load(handle)
    rows = []
    site(None, tags=())         # the whole example first (the lab may hold another cluster)
    with tempfile.TemporaryDirectory() as tmp:
        for interval in args.intervals:
            changed = json.loads(json.dumps(description))
            changed["lvs_cluster"]["routers"]["vrrp"]["advert_interval"] = interval
            path = os.path.join(tmp, "interval.yml")
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(changed, handle)
            site(path)
            router1_is_master()
            for kind in ("stop", "power-cut"):
                gaps = []
                for _ in range(args.repeat):
                    result = failover(kind)
                    gaps.append(result["longest_gap_s"])
                    print(json.dumps({"advert_interval": interval, "failure": kind, **result}), flush=True)
                rows.append((interval, kind, gaps))
        site(None)
    print("\nadvert_interval  failure    gaps (s)            median")
    for interval, kind, gaps in rows:
        print("%-16s %-10s %-19s %.3f" % (interval, kind, " ".join("%.3f" % gap for gap in gaps),
                                           statistics.median(gaps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
