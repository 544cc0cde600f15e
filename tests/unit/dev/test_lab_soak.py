"""tools/lab_soak.py (make lab-soak): it stops and fails on a hung guest, fails on a
failed step, and passes a clean run; bounded by its cycle count. The steps here are
stand-ins (sleep, true, false); the real soak was run against the lab (docs/lab.md)."""

import argparse
import importlib.util
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "tools" / "lab_soak.py"
spec = importlib.util.spec_from_file_location("lab_soak", SCRIPT)
soak = importlib.util.module_from_spec(spec)
spec.loader.exec_module(soak)


def args(**changes):
    values = {"minutes": 1.0, "check_every": 0.2, "max_cycles": 2}
    values.update(changes)
    return argparse.Namespace(**values)


@pytest.fixture
def lab(monkeypatch):
    monkeypatch.setattr(soak, "LAB", ["echo"])          # `lab up` becomes `echo up`
    checks = []
    state = {"hung": []}

    def hung_guests(guests):
        checks.append(len(guests))
        return list(state["hung"])
    monkeypatch.setattr(soak.lifecycle, "hung_guests", hung_guests)
    monkeypatch.setattr(soak.lifecycle, "hang_log", lambda guest: f"/logs/{guest.name}-hang.log")
    return state, checks


def test_a_hung_guest_stops_the_running_step_and_fails(lab, monkeypatch, capsys):
    state, checks = lab
    state["hung"] = [soak.topo.guest("rs1")]
    monkeypatch.setattr(soak.Soak, "cycle", lambda self, n: self.step("long", ["sleep", "30"], 60))
    started = time.monotonic()
    runner = soak.Soak(args())
    assert runner.run() == 1
    assert time.monotonic() - started < 10                      # the sleep was killed
    assert runner.hung == ["rs1"]
    assert "HUNG GUEST(S): rs1; evidence in /logs/rs1-hang.log" in capsys.readouterr().err


def test_a_clean_run_passes_and_checks_at_the_end(lab, monkeypatch, capsys):
    state, checks = lab
    cycles = []
    monkeypatch.setattr(soak.Soak, "cycle", lambda self, n: cycles.append(n) or
                        self.step("quick", ["true"], 10))
    runner = soak.Soak(args(check_every=30))
    assert runner.run() == 0
    assert cycles == [0, 1]                                     # --max-cycles 2
    assert checks == [len(soak.topo.GUESTS)]                    # the final check
    assert "2 cycles in" in capsys.readouterr().err


def test_a_failed_step_fails_the_soak(lab, monkeypatch, capsys):
    monkeypatch.setattr(soak.Soak, "cycle", lambda self, n: self.step("bad", ["false"], 10))
    runner = soak.Soak(args(max_cycles=1, check_every=30))
    assert runner.run() == 1
    assert runner.failures and runner.failures[0].startswith("bad: rc 1 after")
    assert "failed: bad: rc 1" in capsys.readouterr().err


def test_traffic_that_mostly_fails_is_a_failure(lab, monkeypatch):
    runner = soak.Soak(args())
    monkeypatch.setattr(runner, "step", lambda name, argv, timeout:
                        '{"192.0.2.10:80": {"rs1": 10, "<error: timed out>": 20}, '
                        '"192.0.2.30:80": {"rs2": 30}}')
    runner.traffic("x", n=30)
    assert runner.failures == ["traffic x: 192.0.2.10:80 answered 10 of 30: "
                               "{'rs1': 10, '<error: timed out>': 20}"]


def test_only_settled_guests_without_ssh_are_looked_at_for_a_spin(monkeypatch):
    pids = {"router1": 10, "router2": 20, "rs1": 30, "rs2": None, "rs3": 50}
    ages = {10: 500.0, 20: 30.0, 30: 500.0, 50: 500.0}
    ssh = {"router1": True, "router2": False, "rs1": False, "rs3": False}
    monkeypatch.setattr(soak.guests, "running_pid", lambda guest: pids[guest.name])
    monkeypatch.setattr(soak.hang, "age", lambda pid: ages[pid])
    monkeypatch.setattr(soak.guests, "ssh_port_open", lambda guest: ssh[guest.name])
    # router1 answers, router2 is still booting, rs2 is down: rs1 and rs3 are looked at
    assert [g.name for g in soak.Soak.without_ssh()] == ["rs1", "rs3"]


def test_the_checker_asks_for_the_weak_signature_for_guests_without_ssh(monkeypatch):
    calls = []

    def hung_guests(guests, no_ssh=False):
        calls.append(([g.name for g in guests], no_ssh))
        return list(guests) if no_ssh else []
    monkeypatch.setattr(soak.lifecycle, "hung_guests", hung_guests)
    monkeypatch.setattr(soak.Soak, "without_ssh", staticmethod(lambda: [soak.topo.guest("rs2")]))
    runner = soak.Soak(args(check_every=0.05))
    runner.checker()                                    # returns once a guest is hung
    assert runner.hung == ["rs2"]
    assert calls == [([g.name for g in soak.topo.GUESTS], False), (["rs2"], True)]
