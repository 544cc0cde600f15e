"""A hung guest, told from the host's /proc: its UML kernel spins while its processes wait.

The signature (issue 16, defect 7; seen after about 50 minutes of site.yml runs, power cuts
and traffic, and once in `make demo`): the guest's UML kernel process (the process group
leader, see guest.boot) stays runnable (R) and burns system time, with SIGIO blocked and
pending: it loops inside one of its host signal handlers, all of which block SIGIO, so no
device interrupt (network, console) is ever taken again. Every other process of the group
(each guest process is a ptrace-stopped host process, 't'; UML's helpers sleep, 'S')
makes no progress, and SSH never answers. A healthy guest blocks SIGIO for microseconds.

Pure parts (sample, verdict) read a /proc tree given as a path, so the unit tests run them
on fake trees; evidence() and the callers in lifecycle.py act on the real guest."""

import os
import time

SIGIO = 29
_SIGIO_BIT = 1 << (SIGIO - 1)
SAMPLES = 3                 # all of them must show the signature
INTERVAL = 2.0              # seconds between samples


def _read(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def process(proc, pid):
    """One process's state from PROC/PID/stat and status; None once it is gone."""
    try:
        stat = _read(os.path.join(proc, str(pid), "stat"))
        status = _read(os.path.join(proc, str(pid), "status"))
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()       # the name may hold spaces and ')'
    masks = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("SigPnd", "ShdPnd", "SigBlk"):
            masks[key] = int(value.strip(), 16)
    return {"pid": pid, "state": fields[0], "pgrp": int(fields[2]),
            "utime": int(fields[11]), "stime": int(fields[12]), **masks}


def sample(proc, pgids):
    """{pgid: {pid: process}} for every live process of each process group in `pgids`
    (one pass over PROC)."""
    found = {pgid: {} for pgid in pgids}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        info = process(proc, int(entry))
        if info is not None and info["pgrp"] in found and info["state"] != "Z":
            found[info["pgrp"]][info["pid"]] = info
    return found


def verdict(samples, pgid):
    """Why these samples of a guest's process group (oldest first) show the hang; None
    when any of them does not. Every condition must hold in every sample:

    - the kernel (pid == pgid) is running (R) and its system time grows;
    - SIGIO is blocked in the kernel and pending (on the thread or the process);
    - no other process of the group runs or uses any CPU time between the samples."""
    if len(samples) < 2:
        raise ValueError("a hang needs at least two samples")
    for number, taken in enumerate(samples):
        kernel = taken.get(pgid)
        if kernel is None:
            return None                                       # gone: dead, not hung
        if kernel["state"] != "R":
            return None
        if not kernel.get("SigBlk", 0) & _SIGIO_BIT:
            return None
        if not (kernel.get("SigPnd", 0) | kernel.get("ShdPnd", 0)) & _SIGIO_BIT:
            return None
        if any(info["state"] == "R" for pid, info in taken.items() if pid != pgid):
            return None
        if number and kernel["stime"] <= samples[number - 1][pgid]["stime"]:
            return None
    first, last = samples[0], samples[-1]
    others = [pid for pid in last if pid != pgid and pid in first]
    if any(last[pid]["utime"] + last[pid]["stime"] != first[pid]["utime"] + first[pid]["stime"]
           for pid in others):
        return None
    grew = last[pgid]["stime"] - first[pgid]["stime"]
    stopped = sum(1 for pid in others if last[pid]["state"] == "t")
    return (f"UML kernel pid {pgid} running (R) with SIGIO blocked and pending in all "
            f"{len(samples)} samples, system time +{grew} ticks; its {len(others)} other "
            f"processes ({stopped} ptrace-stopped) used no CPU time")


def watch(pgids, proc="/proc", samples=SAMPLES, interval=INTERVAL, pause=time.sleep):
    """Sample the groups `samples` times, `interval` s apart: {pgid: (verdict or None,
    its samples)}. A group drops out at its first sample without the cheap part of the
    signature (a healthy guest costs one sample), and the sampling ends once none is left."""
    taken = {pgid: [] for pgid in pgids}
    open_ = set(pgids)
    for number in range(samples):
        if not open_:
            break
        if number:
            pause(interval)
        for pgid, group in sample(proc, open_).items():
            taken[pgid].append(group)
            kernel = group.get(pgid)
            if not (kernel and kernel["state"] == "R" and kernel.get("SigBlk", 0) & _SIGIO_BIT):
                open_.discard(pgid)
    return {pgid: (verdict(taken[pgid], pgid) if pgid in open_ else None, taken[pgid])
            for pgid in pgids}


def _file(proc, pid, name):
    try:
        return _read(os.path.join(proc, str(pid), name)).strip()
    except OSError as exc:
        return f"(unreadable: {exc.strerror})"


def evidence(name, pgid, reason, samples, console_text, proc="/proc", syscall_samples=10):
    """The text logged for a hung guest: the verdict, the kernel's /proc files, where it
    is (several reads of /proc/PID/syscall: the syscall it is in and its user-space pc),
    the group's processes and the end of the console log."""
    parts = [f"{name}: HUNG GUEST at {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: {reason}", ""]
    for file in ("status", "stat", "wchan", "stack", "syscall"):
        parts += [f"--- /proc/{pgid}/{file}", _file(proc, pgid, file), ""]
    where = []
    for _ in range(syscall_samples):
        where.append(_file(proc, pgid, "syscall"))
        time.sleep(0.05)
    parts += ["--- /proc/%d/syscall, %d reads 50 ms apart (nr args... sp pc, or 'running')"
              % (pgid, syscall_samples), *where, ""]
    parts.append("--- the group's processes per sample: pid state utime stime SigPnd ShdPnd SigBlk")
    for number, taken in enumerate(samples):
        parts.append(f"sample {number}:")
        parts += [f"  {p['pid']} {p['state']} {p['utime']} {p['stime']} {p.get('SigPnd', 0):016x} "
                  f"{p.get('ShdPnd', 0):016x} {p.get('SigBlk', 0):016x}"
                  for p in sorted(taken.values(), key=lambda p: p["pid"])]
    tail = console_text.splitlines()[-40:]
    parts += ["", f"--- console log, last {len(tail)} lines", *tail, ""]
    return "\n".join(parts)
