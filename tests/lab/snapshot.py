#!/usr/bin/env python3
"""Run one script on several lab guests side by side and print {host: its output} as JSON:
the lab scenarios' snapshot of what the roles manage (molecule/_cluster/tasks/snapshot.yml,
molecule/_cluster/files/snapshot.sh), compared before and after a refused run, a check-mode
run, a heal and a reboot. One host after another through Ansible took 20-35 s a snapshot;
side by side over the lab's multiplexed SSH it takes a few.

    snapshot.py SCRIPT HOST...

Exit status 0 only when the script succeeded on every host (a host's error is printed).
Standard library and the lab's own SSH settings only.
"""

import concurrent.futures
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lab"))

from lvslab import lifecycle, topology  # noqa: E402  (after the path to the lab's package)
from lvslab.paths import SSH_CONFIG  # noqa: E402


# ssh's own failures (exit 255: a connection or its multiplexing master broke while being
# set up, seen now and then on a loaded host) are retried, as the lab inventory's
# ansible_ssh_retries does for Ansible; the script only reads, so running it again is safe.
SSH_ATTEMPTS = 3
SSH_FAILED = 255


def read(host, script):
    for _attempt in range(SSH_ATTEMPTS):
        try:
            done = subprocess.run(["ssh", "-F", SSH_CONFIG, host, "bash", "-s"], input=script,
                                  capture_output=True, text=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            done = subprocess.CompletedProcess([], SSH_FAILED, "", "no answer within 120 s")
        if done.returncode != SSH_FAILED:
            break
    if done.returncode == SSH_FAILED:
        raise RuntimeError("%s: rc=%s: %s%s" % (host, done.returncode, done.stderr.strip(),
                                                hung_note(host)))
    if done.returncode != 0:
        raise RuntimeError("%s: rc=%s: %s" % (host, done.returncode, done.stderr.strip()))
    return done.stdout


def hung_note(host):
    """No SSH at all: say so if the guest is hung (its evidence goes to .lab/logs, see
    docs/lab.md "A hung guest"; the next `lab up` power-cycles it)."""
    try:
        guest = topology.guest(host)
    except KeyError:
        return ""
    if lifecycle.hung_guests([guest], no_ssh=True):
        return "; %s is HUNG, evidence in %s" % (host, lifecycle.hang_log(guest))
    return ""


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        script = handle.read()
    hosts = argv[2:]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        futures = {host: pool.submit(read, host, script) for host in hosts}
    errors = [str(future.exception()) for future in futures.values() if future.exception()]
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    print(json.dumps({host: future.result() for host, future in futures.items()}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
