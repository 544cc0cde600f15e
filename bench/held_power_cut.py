#!/usr/bin/env python3
"""Held connections across a power cut of the active router of docs/examples/ha, with
connection sync: how many survive, and for each lost one whether the backup knew it.

    python3 bench/held_power_cut.py [--runs 3] [--hold 100] [--settle 4] [-e FILE]

Each run: router1 active; N connections to the echo service (192.0.2.10:7) opened one by
one from the client (lab traffic --hold, a numbered line on each every second for 90 s);
once router1 lists all N established (or the same number three reads in a row), wait
--settle s, then read the connections router2 (the backup) has from the sync daemon
(ipvsadm -Lnc), cut router1's power (lab power-cut), and wait for the held connections'
result; router1 boots again (lab up) and takes its role back before the next run. Prints
one JSON line per run and a summary: opened, survived, which client ports were lost and
whether router2 listed them before the cut.
-e FILE: settings merged over the example's lvs_cluster (e.g. other VRRP settings:
bench/held_power_cut_issue16.yml), applied with site.yml first; the example's own is
applied again at the end. Needs root, the venv (make setup) and the lab
up (make lab-up); the example is applied by the script.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from failover_bench import EXAMPLE, LAB, lab, router1_is_master, site  # noqa: E402  (the same lab helpers)

ECHO = "192.0.2.10:7"
# how long the connections are held: opening them (0.1-0.3 s each), the settle time and the
# failover must all fit well inside
HOLD_S = 90
# ipvsadm -Lnc: "TCP 14:58 ESTABLISHED 192.0.2.100:41234 192.0.2.10:7 198.51.100.21:7"
CONNECTION = re.compile(r"^\S+\s+\S+\s+(\S+)\s+192\.0\.2\.100:(\d+)\s+192\.0\.2\.10:7\s")


def echo_connections(router):
    """{client port: state} of the router's connection entries for the echo service."""
    out = lab("ssh", router, "ipvsadm", "-Lnc")
    found = {}
    for line in out.splitlines():
        match = CONNECTION.match(line.strip())
        if match:
            found[int(match.group(2))] = match.group(1)
    return found


def merged(base, overlay):
    """base with overlay's keys, mappings merged key by key, anything else replaced."""
    result = dict(base)
    for key, value in overlay.items():
        result[key] = merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return result


def merged_description(overlay_file):
    """The example's description with the overlay's lvs_cluster settings over it."""
    with open(os.path.join(EXAMPLE, "group_vars", "all.yml"), encoding="utf-8") as handle:
        description = yaml.safe_load(handle)
    with open(overlay_file, encoding="utf-8") as handle:
        return merged(description, yaml.safe_load(handle))


def one_run(count, settle):
    router1_is_master()
    def still_holding():
        if hold.poll() is not None:
            raise SystemExit("the held connections ended before the power cut: %s" % hold.communicate()[0])

    hold = subprocess.Popen(LAB + ["traffic", "--hold", str(count), "--duration", str(HOLD_S), "--timeout", "5", ECHO],
                            stdout=subprocess.PIPE, text=True)
    # Until router1 lists all of them, or (one failed to open) the same number 3 reads in a row.
    seen = []
    while len(seen) < 3 or seen[-1] < count and len(set(seen[-3:])) > 1:
        still_holding()
        active = echo_connections("router1")
        seen.append(sum(1 for state in active.values() if state == "ESTABLISHED"))
        if seen[-1] >= count:
            break
        time.sleep(1)
    time.sleep(settle)
    still_holding()
    backup = echo_connections("router2")
    cut_at = time.time()
    lab("power-cut", "router1")
    result = json.loads(hold.communicate()[0])
    lab("up")
    lost = dict((int(port), why) for port, why in result["lost_ports"].items())
    return {"opened": result["opened"], "survived": result["survived"],
            "open_to_cut_s": round(cut_at - result["opened_at"], 2),
            "backup_knew": len(backup), "backup_established": sum(1 for s in backup.values() if s == "ESTABLISHED"),
            "lost": dict((port, {"why": why, "backup_had": backup.get(port)}) for port, why in lost.items()),
            "errors": result["errors"]}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hold", type=int, default=100)
    parser.add_argument("--settle", type=float, default=4.0,
                        help="seconds between the last connection's opening and the power cut")
    parser.add_argument("-e", dest="extra", help="an extra description file for site.yml")
    args = parser.parse_args(argv)
    site(None, tags=())
    if args.extra:
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as described:
            yaml.safe_dump(merged_description(args.extra), described)
            described.flush()
            site(described.name, tags=())
    runs = []
    try:
        for _ in range(args.runs):
            run = one_run(args.hold, args.settle)
            runs.append(run)
            print(json.dumps(run, sort_keys=True), flush=True)
    finally:
        if args.extra:
            site(None, tags=())
    print("\nrun  opened  survived  backup knew  open->cut (s)")
    for number, run in enumerate(runs, 1):
        print("%-4d %-7d %-9d %-12d %.2f" % (number, run["opened"], run["survived"], run["backup_knew"],
                                              run["open_to_cut_s"]))
    return 0 if all(run["survived"] == run["opened"] >= args.hold for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
