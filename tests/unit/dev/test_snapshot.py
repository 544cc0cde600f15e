"""tests/lab/snapshot.py: ssh's own failures are retried, the script's are not."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "lab" / "snapshot.py"
spec = importlib.util.spec_from_file_location("lab_snapshot", SCRIPT)
snapshot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(snapshot)


@pytest.fixture
def ssh_exits(monkeypatch):
    """Make ssh exit with the given statuses, one per call; return the calls made."""
    calls = []

    def arrange(*statuses):
        def fake_run(argv, **kwargs):
            calls.append(argv)
            status = statuses[len(calls) - 1]
            return subprocess.CompletedProcess(argv, status, stdout=f"out {len(calls)}\n", stderr="broken pipe")

        monkeypatch.setattr(snapshot.subprocess, "run", fake_run)
        return calls

    return arrange


def test_a_broken_connection_is_tried_again(ssh_exits):
    calls = ssh_exits(255, 255, 0)
    assert snapshot.read("rs1", "ip address\n") == "out 3\n"
    assert len(calls) == 3
    assert calls[0][-3:] == ["rs1", "bash", "-s"]


def test_three_broken_connections_are_an_error(ssh_exits):
    calls = ssh_exits(255, 255, 255)
    with pytest.raises(RuntimeError, match="rs1: rc=255: broken pipe"):
        snapshot.read("rs1", "ip address\n")
    assert len(calls) == 3


def test_the_script_failing_is_not_retried(ssh_exits):
    calls = ssh_exits(1)
    with pytest.raises(RuntimeError, match="rs1: rc=1"):
        snapshot.read("rs1", "ip address\n")
    assert len(calls) == 1


def test_no_ssh_at_all_names_a_hung_guest(ssh_exits, monkeypatch):
    ssh_exits(255, 255, 255)
    checked = []
    monkeypatch.setattr(snapshot.lifecycle, "hung_guests",
                        lambda guests, no_ssh: checked.extend(g.name for g in guests if no_ssh)
                        or list(guests))
    monkeypatch.setattr(snapshot.lifecycle, "hang_log", lambda guest: f"/logs/{guest.name}-hang.log")
    with pytest.raises(RuntimeError, match=r"rs1: rc=255: broken pipe; rs1 is HUNG, "
                                           r"evidence in /logs/rs1-hang.log"):
        snapshot.read("rs1", "ip address\n")
    assert checked == ["rs1"]


def test_a_guest_that_is_not_hung_is_not_called_hung(ssh_exits, monkeypatch):
    ssh_exits(255, 255, 255)
    monkeypatch.setattr(snapshot.lifecycle, "hung_guests", lambda guests, no_ssh: [])
    with pytest.raises(RuntimeError) as failure:
        snapshot.read("rs1", "ip address\n")
    assert str(failure.value) == "rs1: rc=255: broken pipe"


def test_an_ssh_that_never_answers_counts_as_broken(monkeypatch):
    calls = []

    def fake_run(argv, **kwargs):
        calls.append(argv)
        raise subprocess.TimeoutExpired(argv, kwargs["timeout"])

    monkeypatch.setattr(snapshot.subprocess, "run", fake_run)
    monkeypatch.setattr(snapshot.lifecycle, "hung_guests", lambda guests, no_ssh: [])
    with pytest.raises(RuntimeError, match="rs1: rc=255: no answer within 120 s"):
        snapshot.read("rs1", "ip address\n")
    assert len(calls) == 3
