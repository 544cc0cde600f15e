#!/usr/bin/env python3
"""`make lab-soak`: keep the lab up for a long time under the work that once hung a guest
(issue 16, defect 7: site.yml runs, traffic, power cuts), looking for hung guests every
minute; fail on the first one, with its evidence (.lab/logs/NAME-hang.log).

    .venv/bin/python tools/lab_soak.py [--minutes 90] [--check-every 60] [--max-cycles 60]

Each cycle: site.yml with docs/examples/ha (two routers, VRRP), traffic to every VIP from
the lab's client, a power cut of one guest (in turn: router1, rs1, router2, rs2, rs3) while
steady traffic runs, `lab up` (boots it again), traffic once more. A checker thread reads
/proc (hang.watch, read-only) every --check-every seconds, for the SIGIO signature on
every guest and for a kernel that only spins on a guest up for 2 minutes whose SSH port
takes no connection; on a hung guest it stops the running step and the soak exits 1. Bounded: --minutes of wall time (no new cycle starts
after it), --max-cycles, a timeout on every step; traffic only inside the lab's
namespaces. A failed step is counted and the soak goes on (a hung guest is what it hunts);
any failed step makes the final exit status 1 as well. The lab is left up.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "lab"))
from lvslab import guest as guests, hang, lifecycle, topology as topo  # noqa: E402
from lvslab.paths import INVENTORY  # noqa: E402

LAB = ["python3", os.path.join(ROOT, "lab", "lab")]
EXAMPLE = os.path.join(ROOT, "docs", "examples", "ha")
TARGETS = ["192.0.2.10:80", "192.0.2.30:80", "192.0.2.10:7"]     # the ha example's VIPs
VICTIMS = ["router1", "rs1", "router2", "rs2", "rs3"]
BOOTED = 120                # s: a guest up this long must answer SSH


def say(message):
    print(f"soak {time.strftime('%H:%M:%S')}: {message}", file=sys.stderr, flush=True)


class Soak:
    def __init__(self, args):
        self.args = args
        self.hung = []                  # names, set by the checker thread
        self.failures = []
        self.current = None             # the step's Popen, stopped when a guest hangs
        self.stop = threading.Event()
        self.checks = 0

    def step(self, name, argv, timeout):
        """Run one step in its own process group; its stdout, or None when it failed."""
        if self.hung:
            return None
        started = time.monotonic()
        self.current = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, start_new_session=True, cwd=ROOT)
        try:
            out, err = self.current.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.current.pid, signal.SIGKILL)
            out, err = self.current.communicate()
            self.current.returncode = f"timeout after {timeout} s"
        rc, self.current = self.current.returncode, None
        took = time.monotonic() - started
        if rc != 0:
            tail = " | ".join((err or out or "").strip().splitlines()[-3:])
            self.failures.append(f"{name}: rc {rc} after {took:.0f} s: {tail}")
            say(f"{name} FAILED (rc {rc}, {took:.0f} s): {tail}")
            return None
        say(f"{name}: ok ({took:.0f} s)")
        return out

    def checker(self):
        """Every check_every seconds: hung guests (evidence logged by hung_guests)."""
        while not self.stop.wait(self.args.check_every):
            hung = lifecycle.hung_guests(topo.GUESTS) or lifecycle.hung_guests(
                self.without_ssh(), no_ssh=True)
            self.checks += 1
            if hung:
                self.hung = [guest.name for guest in hung]
                current = self.current
                if current is not None:
                    try:
                        os.killpg(current.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                return

    @staticmethod
    def without_ssh(settled=BOOTED):
        """Guests up for `settled` s or more whose SSH port takes no connection (a boot or
        a power cut in progress is no reason to look)."""
        found = []
        for guest in topo.GUESTS:
            pid = guests.running_pid(guest)
            up = pid and hang.age(pid)
            if up and up >= settled and not guests.ssh_port_open(guest):
                found.append(guest)
        return found

    def traffic(self, label, *extra, n=30):
        out = self.step(f"traffic {label}", LAB + ["traffic", "-n", str(n), *extra, *TARGETS],
                        timeout=300)
        if out is None:
            return
        answers = json.loads(out)
        for target, counts in answers.items():
            good = sum(count for answer, count in counts.items() if not answer.startswith("<"))
            if good < n // 2:           # a failover may cost a few; most must answer
                self.failures.append(f"traffic {label}: {target} answered {good} of {n}: {counts}")
                say(f"traffic {label}: {target} answered only {good} of {n}: {counts}")

    def cycle(self, number):
        victim = VICTIMS[number % len(VICTIMS)]
        self.step("site.yml", ["ansible-playbook", "-i", INVENTORY, "-i", EXAMPLE,
                               os.path.join(ROOT, "playbooks", "site.yml")], timeout=1800)
        self.traffic("after site.yml")
        # Steady traffic across the power cut (its own process, not judged: a cut of the
        # master or of a real server costs answers by design).
        steady = subprocess.Popen(LAB + ["traffic", "--rate", "5", "--duration", "20",
                                         TARGETS[0]], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True, cwd=ROOT)
        time.sleep(3)
        self.step(f"power cut {victim}", LAB + ["power-cut", victim], timeout=120)
        try:
            steady.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(steady.pid, signal.SIGKILL)
            steady.wait()
        self.step("lab up", LAB + ["up"], timeout=600)
        self.traffic(f"after the power cut of {victim}")

    def run(self):
        deadline = time.monotonic() + self.args.minutes * 60
        started = time.monotonic()
        if self.step("lab up", LAB + ["up"], timeout=900) is None:
            return 1
        thread = threading.Thread(target=self.checker, daemon=True)
        thread.start()
        cycles = 0
        while (time.monotonic() < deadline and cycles < self.args.max_cycles
               and not self.hung):
            say(f"cycle {cycles + 1} ({(time.monotonic() - started) / 60:.1f} of "
                f"{self.args.minutes} min)")
            self.cycle(cycles)
            cycles += 1
        self.stop.set()
        thread.join(timeout=60)
        if not self.hung:
            last = lifecycle.hung_guests(topo.GUESTS)     # and one check at the end
            self.checks += 1
            self.hung = [guest.name for guest in last]
        minutes = (time.monotonic() - started) / 60
        say(f"{cycles} cycles in {minutes:.1f} min, {self.checks} hang checks, "
            f"{len(self.failures)} failed steps")
        for failure in self.failures:
            say(f"  failed: {failure}")
        if self.hung:
            say(f"HUNG GUEST(S): {', '.join(self.hung)}; evidence in "
                + ", ".join(lifecycle.hang_log(topo.guest(name)) for name in self.hung))
            return 1
        return 1 if self.failures else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=90)
    parser.add_argument("--check-every", type=float, default=60)
    parser.add_argument("--max-cycles", type=int, default=60)
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.check_every <= 0 or args.max_cycles <= 0:
        parser.error("--minutes, --check-every and --max-cycles must be positive")
    return Soak(args).run()


if __name__ == "__main__":
    sys.exit(main())
