#!/usr/bin/env python3
"""Read a router's node exporter and its IPVS table at about the same time and compare them,
for the lab scenarios' assertions (molecule/cluster_ops/tasks/metrics.yml).

    ipvs_metrics.py table ROUTER URL      the exporter's IPVS metrics against ipvsadm -Ln
    ipvs_metrics.py vrrp URL...           lvs_cluster_vrrp_state of each exporter

`table` reads `ipvsadm -Ln` on ROUTER (python3 lab/lab ssh, the lab of LVS_LAB_STATE),
then the exporter at URL with curl from the lab's client namespace (LVS_LAB_INSTANCE's),
then `ipvsadm -Ln` again, and prints one JSON object: every real server of every service
with what each said (weight, active and inactive connections), `stable` (the two ipvsadm
reads agree), `mismatches` (a real server whose exporter numbers are not ipvsadm's, or
that one of them lacks). A read whose two ipvsadm reads differ is taken again (up to
5 times). `vrrp` prints {URL: {"states": {instance: value}, "textfile_error": 0 or 1}}.

Each parser takes the text as the tools print it (tests/unit/lab/test_ipvs_metrics.py runs
them on output recorded in the lab).
"""

import json
import os
import re
import subprocess
import sys

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab", "lab")
FIELDS = ("weight", "active", "inactive")
METRICS = {"node_ipvs_backend_weight": "weight",
           "node_ipvs_backend_connections_active": "active",
           "node_ipvs_backend_connections_inactive": "inactive"}
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _split(hostport):
    """(address, port) of 192.0.2.10:80 or [2001:db8::1]:80."""
    address, _sep, port = hostport.rpartition(":")
    return address.strip("[]"), port


def parse_ipvsadm(text):
    """{(proto, address, port, mark, real address, real port): {weight, active, inactive}}
    of `ipvsadm -Ln`; a firewall mark service is ("FWM", "", "0", mark, ...)."""
    table, service = {}, None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] in ("IP", "Prot") or words[:2] == ["->", "RemoteAddress:Port"]:
            continue
        if words[0] == "->":
            address, port = _split(words[1])
            table[service + (address, port)] = dict(
                zip(FIELDS, (int(words[3]), int(words[4]), int(words[5]))))
        elif words[0] == "FWM":
            service = ("FWM", "", "0", words[1])
        else:
            address, port = _split(words[1])
            service = (words[0], address, port, "")
    return table


def samples(text):
    """[(name, {label: value}, value)] of a Prometheus text exposition."""
    found = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match:
            labels = dict(_LABEL.findall(match.group(2) or ""))
            found.append((match.group(1), labels, float(match.group(3))))
    return found


def parse_exporter(text):
    """The same keys and fields as parse_ipvsadm, from node_ipvs_backend_*."""
    table = {}
    for name, labels, value in samples(text):
        if name not in METRICS:
            continue
        mark = labels.get("local_mark", "")
        if mark:
            # node_exporter 1.5 gives the mark as /proc/net/ip_vs writes it: 8 hex digits
            service = ("FWM", "", "0", "%d" % int(mark, 16))
        else:
            service = (labels.get("proto", ""), labels.get("local_address", ""),
                       labels.get("local_port", ""), "")
        key = service + (labels.get("remote_address", ""), labels.get("remote_port", ""))
        table.setdefault(key, {})[METRICS[name]] = int(value)
    return table


def vrrp_states(text):
    """{"states": {instance: value} of lvs_cluster_vrrp_state, "textfile_error": the textfile
    collector's node_textfile_scrape_error (None if it has none)}."""
    found = samples(text)
    errors = [value for name, _labels, value in found if name == "node_textfile_scrape_error"]
    return {"states": dict((labels.get("vrrp_instance", ""), int(value))
                           for name, labels, value in found if name == "lvs_cluster_vrrp_state"),
            "textfile_error": int(errors[0]) if errors else None}


def compare(before, exporter, after):
    """The report of `table` from the three texts."""
    ipvs, metrics = parse_ipvsadm(before), parse_exporter(exporter)
    rows, mismatches = [], []
    for key in sorted(set(ipvs) | set(metrics)):
        row = {"service": "%s %s:%s%s" % (key[0], key[1], key[2], (" mark " + key[3]) if key[3] else ""),
               "real_server": "%s:%s" % (key[4], key[5]),
               "ipvsadm": ipvs.get(key), "exporter": metrics.get(key)}
        rows.append(row)
        if row["ipvsadm"] != row["exporter"]:
            mismatches.append(row)
    return {"destinations": rows, "mismatches": mismatches,
            "stable": parse_ipvsadm(before) == parse_ipvsadm(after)}


def _run(argv):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, universal_newlines=True,
                          env=dict(os.environ, LC_ALL="C"), timeout=60).stdout


def _curl(url):
    netns = "%s-client" % os.environ.get("LVS_LAB_INSTANCE", "lvslab")
    return _run(["ip", "netns", "exec", netns, "curl", "-sSf", "--max-time", "10", url])


def _ipvsadm(router):
    return _run([sys.executable, LAB, "ssh", router, "ipvsadm", "-Ln"])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 3 and argv[0] == "table":
        router, url = argv[1:]
        for _attempt in range(5):
            report = compare(_ipvsadm(router), _curl(url), _ipvsadm(router))
            if report["stable"]:
                break
        print(json.dumps(report, sort_keys=True))
        return 0
    if len(argv) >= 2 and argv[0] == "vrrp":
        print(json.dumps(dict((url, vrrp_states(_curl(url))) for url in argv[1:]), sort_keys=True))
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
