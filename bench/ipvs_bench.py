#!/usr/bin/env python3
"""Benchmark: the ipvs_service module vs raw ipvsadm, in a lab router guest.

Run from the repository root with the lab up (honours LVS_LAB_INSTANCE / LVS_LAB_STATE):

    python3 bench/ipvs_bench.py [--services 1000] [--destinations 10] [--repeat 3]

In one run, on router1's real IPVS kernel:
  1. converge SERVICES x DESTINATIONS from an empty table,
  2. re-check it unchanged,
  3. change 10% of the weights (every 10th real server, counted over the whole table),
each through the module and raw: `ipvsadm -R` of the same change set (for 2: `ipvsadm -Sn`).

"Through the module" = the module's AnsiballZ payload that Ansible itself built for
router1, exploded there once (python3 AnsiballZ_ipvs_service.py explode) and run with
`python3 AnsiballZ_ipvs_service.py execute` and each phase's arguments: the same Python
process, imports and module code as an Ansible task on the target, without SSH and the
controller. Times are wall clock in the guest (date +%s.%N around the command), the median
and the fastest of --repeat runs; the table is cleared between runs.

Also measured, to show what no module can beat: ansible.builtin.ping's payload run the same
way (a module that starts, validates and exits). A module must start and read the table,
so floor + raw read is the least the re-check can take, and floor + raw read + raw write
the least the change can take.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

LAB = [sys.executable, "lab/lab"]
WORK = "/root/ipvs-bench"


def ssh(command, data=None):
    done = subprocess.run(LAB + ["ssh", "router1", command], input=data, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("router1: %s failed: %s %s" % (command, done.stdout, done.stderr))
    return done.stdout


def table(services, destinations, changed_every=None):
    """Module args and the raw -R lines of the same table (weights bumped on every 10th)."""
    entries, lines = [], []
    count = 0
    for s in range(services):
        port = 10000 + s
        entry = {"protocol": "tcp", "vip": "192.0.2.10", "port": port, "scheduler": "wlc",
                 "destinations": [], "purge": True}
        lines.append("-A -t 192.0.2.10:%d -s wlc" % port)
        for d in range(destinations):
            weight = 1
            if changed_every and count % changed_every == 0:
                weight = 2
            count += 1
            address = "198.51.%d.%d" % (100 + d // 250, 1 + d % 250)
            entry["destinations"].append({"address": address, "method": "nat", "weight": weight})
            lines.append("-a -t 192.0.2.10:%d -r %s:%d -m -w %d -x 0 -y 0" % (port, address, port, weight))
        entries.append(entry)
    return {"services": entries, "purge": True}, lines


def timed(command):
    out = ssh("s=$(date +%%s.%%N); %s > /tmp/bench.out 2>&1; rc=$?; e=$(date +%%s.%%N); "
              "echo \"$rc $s $e\"" % command)
    rc, start, end = out.split()
    if rc != "0":
        raise SystemExit("%s failed: %s" % (command, ssh("cat /tmp/bench.out")))
    return float(end) - float(start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--destinations", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    # An AnsiballZ payload of ipvs_service, built by Ansible for router1 and kept there.
    ssh("modprobe ip_vs; ipvsadm -C; rm -rf %s ~/.ansible/tmp; mkdir -p %s" % (WORK, WORK))
    state = os.environ.get("LVS_LAB_STATE", ".lab")
    env = dict(os.environ, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_PIPELINING="False")
    subprocess.run([".venv/bin/ansible", "-i", state + "/inventory.yml", "router1", "-m", "lvs.cluster.ipvs_service",
                    "-a", '{"services": [], "purge": false}'], env=env, check=True, capture_output=True)
    ssh("cp $(ls -t ~/.ansible/tmp/*/AnsiballZ_ipvs_service.py | head -1) %s/ && cd %s && "
        "python3 AnsiballZ_ipvs_service.py explode >/dev/null" % (WORK, WORK))
    # The floor of any module: ansible.builtin.ping's payload, run the same way (start,
    # imports, AnsibleModule, exit_json; no work).
    ssh("rm -rf ~/.ansible/tmp")
    subprocess.run([".venv/bin/ansible", "-i", state + "/inventory.yml", "router1", "-m", "ansible.builtin.ping"],
                   env=env, check=True, capture_output=True)
    ssh("mkdir -p %s/ping && cp $(ls -t ~/.ansible/tmp/*/AnsiballZ_ping.py | head -1) %s/ping/ && cd %s/ping && "
        "python3 AnsiballZ_ping.py explode >/dev/null" % (WORK, WORK, WORK))

    full, full_lines = table(options.services, options.destinations)
    changed, _ = table(options.services, options.destinations, changed_every=10)
    change_lines = ["-e -t 192.0.2.10:%d -r %s:%d -m -w 2 -x 0 -y 0" % (e["port"], d["address"], e["port"])
                    for e in changed["services"] for d in e["destinations"] if d["weight"] == 2]
    for name, args in (("full", full), ("changed", changed)):
        ssh("cat > %s/%s.json" % (WORK, name), json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    ssh("cat > %s/full.restore" % WORK, "\n".join(full_lines) + "\n")
    ssh("cat > %s/changed.restore" % WORK, "\n".join(change_lines) + "\n")

    module = "cd %s && cp {args} debug_dir/args && python3 AnsiballZ_ipvs_service.py execute" % WORK
    results = {"module": {"converge": [], "recheck": [], "change": []},
               "raw": {"converge": [], "recheck": [], "change": []}, "floor": []}
    for _ in range(options.repeat):
        results["floor"].append(timed("cd %s/ping && python3 AnsiballZ_ping.py execute" % WORK))
        for how in ("raw", "module"):
            ssh("ipvsadm -C")
            if how == "raw":
                results[how]["converge"].append(timed("ipvsadm -R < %s/full.restore" % WORK))
                results[how]["recheck"].append(timed("ipvsadm -Sn"))
                results[how]["change"].append(timed("ipvsadm -R < %s/changed.restore" % WORK))
            else:
                results[how]["converge"].append(timed(module.format(args="full.json")))
                check = json.loads(ssh("cat /tmp/bench.out"))
                assert check["changed"] and len(check["commands"]) == len(full_lines), "converge did not converge"
                results[how]["recheck"].append(timed(module.format(args="full.json")))
                check = json.loads(ssh("cat /tmp/bench.out"))
                assert not check["changed"], "re-check changed something"
                results[how]["change"].append(timed(module.format(args="changed.json")))
                check = json.loads(ssh("cat /tmp/bench.out"))
                assert check["changed"] and len(check["commands"]) == len(change_lines), "change set differs"
            count = ssh("ipvsadm -Sn | wc -l").strip()
            assert int(count) == len(full_lines), "table has %s lines" % count
            weights2 = ssh("ipvsadm -Sn | grep -c -- '-w 2$' || true").strip()
            assert int(weights2) == len(change_lines), "%s weights changed" % weights2
    ssh("ipvsadm -C")

    print("%d services x %d real servers (%d table lines), change set %d weights; median of %d, seconds"
          % (options.services, options.destinations, len(full_lines), len(change_lines), options.repeat))
    # The median, and the fastest run of each (the one least slowed by whatever else the
    # host was doing): both side by side, from the same interleaved runs.
    print("| step | raw | module | module / raw | fastest raw | fastest module | fastest module / raw |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for step, raw_name in (("converge", "ipvsadm -R"), ("recheck", "ipvsadm -Sn"), ("change", "ipvsadm -R")):
        raw = statistics.median(results["raw"][step])
        mod = statistics.median(results["module"][step])
        raw_min, mod_min = min(results["raw"][step]), min(results["module"][step])
        print("| %s | %.2f (%s) | %.2f | %.2fx | %.2f | %.2f | %.2fx |"
              % (step, raw, raw_name, mod, mod / raw, raw_min, mod_min, mod_min / raw_min))
    # What no module can go below: starting (the floor) plus reading the table (raw -Sn),
    # plus for a change writing it (raw -R).
    floor = statistics.median(results["floor"])
    read = statistics.median(results["raw"]["recheck"])
    print("floor: a module doing nothing (ansible.builtin.ping) %.2f s" % floor)
    for step, least in (("recheck", floor + read),
                        ("change", floor + read + statistics.median(results["raw"]["change"]))):
        raw = statistics.median(results["raw"][step])
        print("least any module can take for %s: floor + raw read%s = %.2f s = %.2fx raw"
              % (step, " + raw write" if step == "change" else "", least, least / raw))
    print("floor runs: %s" % json.dumps(results["floor"]))
    print("raw runs: %s" % json.dumps(results["raw"]))
    print("module runs: %s" % json.dumps(results["module"]))


if __name__ == "__main__":
    main()
