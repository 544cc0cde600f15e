"""Which process is a guest: running_pid must hold while the guest's process execs.

A guest starts as `ip netns exec NS <kernel> umid=...`, which execs the kernel; while a
process execs (and while it exits) /proc/PID/cmdline reads empty for a moment. Taking
that for "not ours" made `lab up` report a booting guest as dead and kill it."""

import subprocess
import sys

import pytest

from lvslab import guest as guests
from lvslab import topology as topo

GUEST = topo.GUESTS[0]
UMID = f"umid={topo.INSTANCE}-{GUEST.name}"


@pytest.fixture
def pid_file(tmp_path, monkeypatch):
    path = tmp_path / "pid"
    monkeypatch.setattr(guests, "pid_file", lambda guest: str(path))
    return path


def test_ours_only_with_this_guests_umid(pid_file):
    for argv, ours in (([UMID], True), ([f"umid={topo.INSTANCE}-other"], False), ([], False)):
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", *argv])
        try:
            pid_file.write_text(f"{process.pid}\n")
            assert guests.running_pid(GUEST) == (process.pid if ours else None)
        finally:
            process.kill()
            process.wait()
    assert guests.running_pid(GUEST) is None            # gone


def test_a_zombie_is_not_a_running_guest(pid_file):
    process = subprocess.Popen([sys.executable, "-c", "pass", UMID])
    pid_file.write_text(f"{process.pid}\n")
    try:
        while guests._proc_argv(process.pid) is not None:     # until it is a zombie
            pass
        assert guests.running_pid(GUEST) is None
    finally:
        process.wait()


def test_never_taken_for_dead_while_it_execs(pid_file):
    """`env` execs python like `ip netns exec` execs the kernel: poll across the exec."""
    for _ in range(15):
        process = subprocess.Popen(["env", sys.executable, "-c", "import time; time.sleep(0.1)",
                                    UMID])
        pid_file.write_text(f"{process.pid}\n")
        while guests.running_pid(GUEST) == process.pid:
            pass
        # running_pid gave up on it: only right if the process has really ended.
        alive_when_given_up = process.poll() is None
        process.wait()
        assert not alive_when_given_up


def test_empty_reads_are_retried_then_trusted(monkeypatch):
    reads = {"cmdline": [b"", b"", b"linux\0" + UMID.encode() + b"\0"]}
    monkeypatch.setattr(guests, "_read", lambda path: (
        reads["cmdline"].pop(0) if path.endswith("cmdline") else b"7 (linux) S 1 7 7"))
    monkeypatch.setattr(guests.time, "sleep", lambda seconds: None)
    assert guests._proc_argv(7) == [b"linux", UMID.encode(), b""]
    monkeypatch.setattr(guests, "_read", lambda path: b"" if path.endswith("cmdline")
                        else b"7 (kworker/0:1) I 2 0 0")
    assert guests._proc_argv(7) == []                   # a kernel thread: empty for good
