#!/usr/bin/env python3
"""The proof `make demo` prints after site.yml: for each VIP of an example cluster, which
real server answered how many of N fresh connections from the lab's client, and the
router's own IPVS counters.

    .venv/bin/python tools/demo_report.py docs/examples/nat [-n 100]
"""

import argparse
import json
import os
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = ["python3", os.path.join(ROOT, "lab", "lab")]


def targets(description):
    """HOST:PORT for every VIP and port of every service, in the description's order."""
    found = []
    for service in description["services"]:
        vips = service.get("vips") or [service["vip"]]
        ports = service.get("ports") or [service.get("port")]
        for vip in vips:
            host = "[%s]" % vip if ":" in str(vip) else vip
            for port in ports:
                if isinstance(port, int) or str(port).isdigit():
                    found.append((service["name"], "%s:%s" % (host, port)))
    return found


def settled_stats(router):
    """ipvsadm -Ln --stats once its counters have stopped moving. The kernel adds each
    CPU's counts into these totals on a 2-second timer, so a read right after the traffic
    misses the last connections (seen: 187 of the bundle's 200); two reads more than 2 s
    apart that agree have a fold between them."""
    previous = None
    for _attempt in range(5):
        text = subprocess.run(LAB + ["ssh", router, "ipvsadm", "-Ln", "--stats"], stdout=subprocess.PIPE,
                              text=True, check=True).stdout
        if text == previous:
            break
        previous = text
        time.sleep(2.5)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("example")
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args(argv)
    with open(os.path.join(args.example, "group_vars", "all.yml")) as handle:
        description = yaml.safe_load(handle)["lvs_cluster"]
    with open(os.path.join(args.example, "hosts.yml")) as handle:
        router = sorted(yaml.safe_load(handle)["lvs_routers"]["hosts"])[0]
    wanted = targets(description)
    done = subprocess.run(LAB + ["traffic", "-n", str(args.n)] + [t for _s, t in wanted],
                          stdout=subprocess.PIPE, text=True, check=True)
    served = json.loads(done.stdout)
    print("\n=== %s: %d fresh connections from the client (192.0.2.100) to each VIP:port" % (args.example, args.n))
    print("%-12s %-22s %s" % ("service", "VIP:port", "answered by (requests)"))
    failures = 0
    for service, target in wanted:
        answers = served[target]
        failures += sum(count for answer, count in answers.items() if answer.startswith("<"))
        print("%-12s %-22s %s" % (service, target, ", ".join("%s %d" % item for item in sorted(answers.items()))))
    stats = settled_stats(router)
    print("\n=== %s: ipvsadm -Ln --stats (connections, packets, bytes per real server)" % router)
    print(stats.rstrip())
    print("\n%s" % ("every request answered" if not failures else "%d requests FAILED" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
