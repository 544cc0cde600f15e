#!/usr/bin/env python3
"""`ipvsadm -Ln` (on stdin) as JSON on stdout, for the lab scenarios' assertions: a check
of lvs.cluster.status's report that does not go through the collection's own parsers.

    {"TCP 192.0.2.10:80": {"scheduler": "wrr", "real_servers": {"198.51.100.21": {"weight": 3,
      "active": 0, "inactive": 2}}}, "FWM 80": {...}}

With --weights: {"TCP 192.0.2.10:80": {"198.51.100.21": 3, ...}, ...}.
"""

import json
import sys


def parse(text):
    services, current = {}, None
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] in ("TCP", "UDP", "SCTP", "FWM"):
            current = {"scheduler": words[2], "real_servers": {}}
            services["%s %s" % (words[0], words[1])] = current
        elif len(words) == 6 and words[0] == "->" and current is not None:
            address = words[1].rsplit(":", 1)[0].strip("[]")
            current["real_servers"][address] = {"weight": int(words[3]), "active": int(words[4]),
                                                "inactive": int(words[5])}
    return services


if __name__ == "__main__":
    listing = parse(sys.stdin.read())
    if sys.argv[1:] == ["--weights"]:
        listing = dict((name, dict((address, rs["weight"]) for address, rs in service["real_servers"].items()))
                       for name, service in listing.items())
    json.dump(listing, sys.stdout, sort_keys=True)
