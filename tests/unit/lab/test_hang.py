"""The hung-guest check (lab/lvslab/hang.py) on fake /proc trees, and once on real processes.

The signature: the guest's UML kernel (the process group leader) running with SIGIO
blocked and pending and its system time growing, while every other process of its group
uses no CPU time. Each test changes one fact of a hung group and expects no verdict."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from lvslab import hang, lifecycle
from lvslab import topology as topo

PGID = 4242
SIGIO_MASK = 1 << 28            # signal 29
SIGPIPE_MASK = 1 << 12          # UML blocks SIGPIPE all the time


def write_proc(root, processes):
    """A fake /proc: processes are dicts with pid, state, pgrp, utime, stime and masks."""
    root.mkdir(exist_ok=True)
    for entry in root.iterdir():
        for file in entry.iterdir():
            file.unlink()
        entry.rmdir()
    (root / "self").mkdir()          # not a pid: skipped
    for p in processes:
        directory = root / str(p["pid"])
        directory.mkdir()
        # the name holds a space and a ')' as a real one may: parsing splits at the last ')'
        (directory / "stat").write_text(
            f"{p['pid']} (linux ) x) {p['state']} 1 {p['pgrp']} {p['pgrp']} 0 -1 4194560 "
            f"100 0 0 0 {p['utime']} {p['stime']} 0 0 20 0 1 0 100 1000 100\n")
        (directory / "status").write_text(textwrap.dedent(f"""\
            Name:\tlinux
            State:\t{p['state']}
            SigQ:\t1/95000
            SigPnd:\t{p.get('SigPnd', 0):016x}
            ShdPnd:\t{p.get('ShdPnd', 0):016x}
            SigBlk:\t{p.get('SigBlk', SIGPIPE_MASK):016x}
            SigIgn:\t0000000000000000
            """))
        (directory / "wchan").write_text("0")
        (directory / "syscall").write_text("232 0x3 0x0 0x40 0x0 0x0 0x0 0x7ffc0 0x6004a1b2\n")


def hung_group(tick, **kernel_changes):
    """A hung guest at sample `tick`: kernel R, SIGIO blocked + pending, stime growing;
    two helpers asleep, three guest processes ptrace-stopped; one process of another group."""
    kernel = {"pid": PGID, "state": "R", "pgrp": PGID, "utime": 500, "stime": 3000 + 150 * tick,
              "SigBlk": SIGPIPE_MASK | SIGIO_MASK, "ShdPnd": SIGIO_MASK}
    kernel.update(kernel_changes)
    helpers = [{"pid": PGID + n, "state": "S", "pgrp": PGID, "utime": 0, "stime": 3}
               for n in (1, 2)]
    guest = [{"pid": PGID + n, "state": "t", "pgrp": PGID, "utime": 40 + n, "stime": 90}
             for n in (3, 4, 5)]
    stranger = {"pid": 99, "state": "R", "pgrp": 99, "utime": 10 * tick, "stime": 10 * tick}
    return [kernel, *helpers, *guest, stranger]


class Ticker:
    """pause() for hang.watch: writes the next sample's tree instead of sleeping."""

    def __init__(self, root, make):
        self.root, self.make, self.tick, self.pauses = root, make, 0, []
        write_proc(root, make(0))

    def __call__(self, seconds):
        self.pauses.append(seconds)
        self.tick += 1
        write_proc(self.root, self.make(self.tick))


def watch(tmp_path, make, **kwargs):
    ticker = Ticker(tmp_path / "proc", make)
    found = hang.watch([PGID], proc=str(tmp_path / "proc"), pause=ticker, **kwargs)
    return found[PGID], ticker


def test_the_signature_is_recognised(tmp_path):
    (reason, samples), ticker = watch(tmp_path, hung_group)
    assert reason is not None
    assert f"UML kernel pid {PGID} running (R) with SIGIO blocked and pending" in reason
    assert "system time +300 ticks" in reason                  # 3 samples, +150 each
    assert "its 5 other processes (3 ptrace-stopped) used no CPU time" in reason
    assert len(samples) == hang.SAMPLES == 3
    assert ticker.pauses == [hang.INTERVAL] * 2
    assert sorted(samples[0]) == [PGID + n for n in range(6)]  # the group only, not pid 99


def test_sigio_pending_on_the_thread_counts_too(tmp_path):
    (reason, _), _ = watch(tmp_path, lambda t: hung_group(t, ShdPnd=0, SigPnd=SIGIO_MASK))
    assert reason is not None


@pytest.mark.parametrize("what, make", [
    ("kernel asleep (idle in sigsuspend)", lambda t: hung_group(t, state="S")),
    ("kernel asleep in the last sample only",
     lambda t: hung_group(t, state="S" if t == 2 else "R")),
    ("SIGIO not blocked", lambda t: hung_group(t, SigBlk=SIGPIPE_MASK)),
    ("SIGIO not pending", lambda t: hung_group(t, ShdPnd=0)),
    ("another signal pending, not SIGIO", lambda t: hung_group(t, ShdPnd=1 << 13)),
    ("system time not growing", lambda t: hung_group(t, stime=3000)),
    ("system time still in the last sample", lambda t: hung_group(t, stime=3000 + 150 * min(t, 1))),
])
def test_a_kernel_that_is_not_hung(tmp_path, what, make):
    (reason, _), _ = watch(tmp_path, make)
    assert reason is None, what
    # verdict itself, on all three samples (watch may stop sampling early)
    assert hang.verdict(samples_of(tmp_path, make), PGID) is None, what
    assert hang.verdict(samples_of(tmp_path, hung_group), PGID) is not None


def samples_of(tmp_path, make, count=3):
    taken = []
    for tick in range(count):
        write_proc(tmp_path / "direct", make(tick))
        taken.append(hang.sample(str(tmp_path / "direct"), [PGID])[PGID])
    return taken


def test_a_guest_process_that_makes_progress_is_no_hang(tmp_path):
    def make(tick):
        group = hung_group(tick)
        group[3]["utime"] += tick                   # one guest process got CPU time
        return group
    (reason, _), _ = watch(tmp_path, make)
    assert reason is None


def test_a_guest_process_that_runs_is_no_hang(tmp_path):
    def make(tick):
        group = hung_group(tick)
        group[4]["state"] = "R" if tick == 1 else "t"
        return group
    (reason, _), _ = watch(tmp_path, make)
    assert reason is None


def test_a_kernel_gone_between_samples_is_dead_not_hung(tmp_path):
    (reason, _), _ = watch(tmp_path, lambda t: hung_group(t) if t == 0 else hung_group(t)[1:])
    assert reason is None


def test_a_healthy_guest_costs_one_sample(tmp_path):
    (reason, samples), ticker = watch(tmp_path, lambda t: hung_group(t, state="S"))
    assert reason is None
    assert len(samples) == 1 and ticker.pauses == []


def ksoftirqd_spin(tick):
    """The spin reproduced in the lab (a vector NIC's error latch): the kernel R, system
    time growing, SIGIO not blocked, the guest's processes still getting CPU time."""
    group = hung_group(tick, SigBlk=SIGPIPE_MASK, ShdPnd=0)
    group[3]["utime"] += 5 * tick
    return group


def test_a_spinning_kernel_is_hung_only_for_a_guest_without_ssh(tmp_path):
    (strict, _), _ = watch(tmp_path, ksoftirqd_spin)
    assert strict is None
    (weak, samples), _ = watch(tmp_path, ksoftirqd_spin, weak=True)
    assert weak == (f"UML kernel pid {PGID} running (R) in 3 of 3 samples, its system time "
                    "+300 ticks, while the guest answers no SSH")
    assert len(samples) == 3
    (weak, _), _ = watch(tmp_path, hung_group, weak=True)     # the strict form is one too
    assert weak is not None


def test_a_kernel_that_sleeps_a_moment_still_spins(tmp_path):
    make = lambda t: hung_group(t, state="S") if t == 1 else ksoftirqd_spin(t)  # noqa: E731
    (weak, _), _ = watch(tmp_path, make, weak=True)
    assert weak is not None and "in 2 of 3 samples" in weak


@pytest.mark.parametrize("make", [
    lambda t: ksoftirqd_spin(t) if t == 0 else hung_group(t, state="S"),
    lambda t: [dict(p, stime=3000) if p["pid"] == PGID else p for p in ksoftirqd_spin(t)],
])
def test_a_kernel_that_sleeps_or_stands_still_is_not_spinning(tmp_path, make):
    (weak, _), _ = watch(tmp_path, make, weak=True)
    assert weak is None
    assert hang.spinning(samples_of(tmp_path, make), PGID) is None


def test_one_sample_is_no_verdict():
    with pytest.raises(ValueError):
        hang.verdict([{}], PGID)
    with pytest.raises(ValueError):
        hang.spinning([{}], PGID)


def test_evidence_holds_the_proc_files_the_samples_and_the_console(tmp_path):
    (reason, samples), _ = watch(tmp_path, hung_group)
    console = "\n".join(f"line {n}" for n in range(100))
    text = hang.evidence("rs1", PGID, reason, samples, console, proc=str(tmp_path / "proc"),
                         syscall_samples=2)
    assert text.startswith(f"rs1: HUNG GUEST at ")
    assert reason in text.splitlines()[0]
    for file in ("status", "stat", "wchan", "stack", "syscall"):
        assert f"--- /proc/{PGID}/{file}" in text
    assert "SigBlk:\t0000000010001000" in text                 # the status file itself
    assert "(unreadable: No such file or directory)" in text   # the fake tree has no stack
    assert text.count("232 0x3 0x0 0x40") == 1 + 2              # the file + 2 more reads
    assert f"  {PGID} R 500 3300 0000000000000000 0000000010000000 0000000010001000" in text
    assert "\nline 60\n" in text and "\nline 99\n" in text
    assert "\nline 59\n" not in text                           # only the last 40 lines


SPINNER = textwrap.dedent("""\
    import ctypes, os, signal, sys, time
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGIO})
    child = os.fork()
    if child == 0:                      # a guest process: ptrace-stopped, like UML's
        ctypes.CDLL(None, use_errno=True).ptrace(0, 0, None, None)   # PTRACE_TRACEME
        os.kill(os.getpid(), signal.SIGSTOP)
        os._exit(0)
    os.kill(os.getpid(), signal.SIGIO)  # pending, blocked
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    zero = os.open("/dev/zero", os.O_RDONLY)
    end = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < end:       # system time: 1 MiB reads
        os.read(zero, 1 << 20)
    """)


def test_symbolizer_names_kernel_text_only():
    name = hang.symbolizer("0000000060001000 t _text\n0000000060022790 t sigio_handler\n"
                           "000000006003eb60 T hard_handler\n0000000060050000 d some_data\n"
                           "0000000000000000 t zero\n")
    assert name(0x60022790 + 0x1a) == "sigio_handler+0x1a"
    assert name(0x6003eb60) == "hard_handler+0x0"
    assert name(0x6003eb60 + 0x10000) == "hard_handler+0x10000"
    assert name(0x60050010) == "?"          # data symbols skipped; 0x114b0 past hard_handler
    assert name(0x7FB8775FB2D5) == "?"                  # host libc, far past any symbol
    assert name(0x100) == "?"                           # below every symbol


def test_evidence_shows_backtraces_with_names(tmp_path):
    (reason, samples), _ = watch(tmp_path, hung_group)
    trace = {"rip": 0x7F0000001000, "rsp": 0x7FFC0000, "frames": [0x60022790 + 8],
             "stack": [(0x10, 0x6003EB60 + 4)]}
    text = hang.evidence("rs1", PGID, reason, samples, "", proc=str(tmp_path / "proc"),
                         syscall_samples=1, traces=[trace, "none: PTRACE_ATTACH 1: denied"],
                         symbol=hang.symbolizer("0000000060022790 t sigio_handler\n"
                                                "000000006003eb60 t hard_handler\n"))
    assert "  0x0000000060022798 sigio_handler+0x8" in text
    assert "  +0x0010: 0x000000006003eb64 hard_handler+0x4" in text
    assert "  0x00007f0000001000 ?" in text
    assert "--- backtrace 1: none: PTRACE_ATTACH 1: denied" in text


def test_text_range_is_the_binarys_executable_mapping(tmp_path):
    proc = tmp_path / "proc"
    (proc / "7").mkdir(parents=True)
    binary = tmp_path / "linux"
    binary.write_text("")
    (proc / "7" / "exe").symlink_to(binary)
    (proc / "7" / "maps").write_text(
        f"60000000-60001000 r--p 00000000 fe:00 12 {binary}\n"
        f"60001000-6059f000 r-xp 00001000 fe:00 12 {binary}\n"
        "7f00000000-7f00100000 r-xp 00000000 fe:00 13 /usr/lib/x86_64-linux-gnu/libc.so.6\n")
    assert hang.text_range(7, proc=str(proc)) == (0x60001000, 0x6059F000)
    assert hang.text_range(8, proc=str(proc)) is None


def test_real_processes_spinning_with_sigio_blocked(tmp_path):
    """The same check on /proc itself: a process group whose leader spins in system calls
    with SIGIO blocked and pending while its child sits ptrace-stopped (about 2 s of CPU)."""
    script = tmp_path / "spin.py"
    script.write_text(SPINNER)
    spinner = subprocess.Popen([sys.executable, str(script), "20"], stdout=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        assert spinner.stdout.readline() == "ready\n"
        found = hang.watch([spinner.pid], samples=3, interval=1.0)
        reason, samples = found[spinner.pid]
        states = sorted(p["state"] for p in samples[-1].values())
        assert states == ["R", "t"], states
        assert reason is not None, samples
        trace = hang.backtrace(spinner.pid)
        assert trace["rip"] and trace["rsp"]
        assert hang.process("/proc", spinner.pid)["state"] in "RS"     # detached: runs on
        assert hang.text_range(spinner.pid)[0] < hang.text_range(spinner.pid)[1]
    finally:
        os.killpg(spinner.pid, signal.SIGKILL)
        spinner.wait()
    # and a sleeping group with SIGIO blocked is not hung
    sleeper = subprocess.Popen([sys.executable, "-c", "import signal, time; "
                                "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGIO}); "
                                "print('ready', flush=True); time.sleep(20)"],
                               stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert sleeper.stdout.readline() == "ready\n"
        assert hang.watch([sleeper.pid], samples=2, interval=0.2)[sleeper.pid][0] is None
    finally:
        os.killpg(sleeper.pid, signal.SIGKILL)
        sleeper.wait()


def test_lab_check_logs_and_power_cycles_only_the_hung_guest(tmp_path, monkeypatch, capsys):
    hung, healthy = topo.GUESTS[2], topo.GUESTS[0]
    pids = {hung.name: PGID, healthy.name: 777}
    monkeypatch.setattr(lifecycle, "LOGS", str(tmp_path / "logs"))
    monkeypatch.setattr(lifecycle, "_check_owner", lambda: None)
    monkeypatch.setattr(lifecycle.guests, "running_pid", lambda guest: pids.get(guest.name))
    monkeypatch.setattr(lifecycle.guests, "console_text", lambda guest: "last console line\n")
    monkeypatch.setattr(lifecycle, "_backtraces", lambda pid: [f"trace of {pid}"])
    monkeypatch.setattr(lifecycle, "_symbolizer", lambda others, hung: "symbols")
    monkeypatch.setattr(lifecycle.hang, "evidence",
                        lambda name, pgid, reason, samples, console, traces, symbol:
                        f"{name} {pgid} {reason} {console.strip()} {traces} {symbol}")
    monkeypatch.setattr(lifecycle.hang, "watch", lambda pgids, weak: {
        pgid: (("spinning" if pgid == PGID and not weak else None), []) for pgid in pgids})
    actions = []
    monkeypatch.setattr(lifecycle, "power_cut", lambda victims: actions.append(
        ("power_cut", [g.name for g in victims])))
    monkeypatch.setattr(lifecycle, "up", lambda: actions.append(("up",)))

    assert lifecycle.check() == [hung.name]
    assert actions == [("power_cut", [hung.name]), ("up",)]
    log = tmp_path / "logs" / f"{hung.name}-hang.log"
    assert log.read_text() == (f"{hung.name} {PGID} spinning last console line "
                               f"['trace of {PGID}'] symbols\n")
    assert not (tmp_path / "logs" / f"{healthy.name}-hang.log").exists()
    err = capsys.readouterr().err
    assert f"{hung.name} is HUNG: spinning; evidence appended to {log}" in err

    actions.clear()
    pids[hung.name] = 778                           # booted again, healthy now
    assert lifecycle.check() == []
    assert actions == []


def test_age_is_seconds_since_the_process_started(tmp_path):
    write_proc(tmp_path / "proc", hung_group(0))
    (tmp_path / "proc" / "uptime").write_text("50.00 12.00\n")
    ticks = os.sysconf("SC_CLK_TCK")
    assert hang.age(PGID, proc=str(tmp_path / "proc")) == pytest.approx(50.0 - 100 / ticks)
    assert hang.age(1, proc=str(tmp_path / "proc")) is None             # no such process
    assert 0 <= hang.age(os.getpid()) < 3600 * 24 * 365
