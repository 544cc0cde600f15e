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

import bisect
import ctypes
import os
import struct
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
            "utime": int(fields[11]), "stime": int(fields[12]), "start": int(fields[19]),
            **masks}


def age(pid, proc="/proc"):
    """Seconds since the process started; None once it is gone."""
    info = process(proc, pid)
    try:
        uptime = float(_read(os.path.join(proc, "uptime")).split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return None if info is None else uptime - info["start"] / os.sysconf("SC_CLK_TCK")


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


def spinning(samples, pgid):
    """The weaker signature, for a guest already known not to answer SSH: its kernel is
    running (R) in all samples but at most one, and its system time grew from the first to
    the last (seen when a vector NIC's error latch had the qdisc requeue a packet without
    end: the kernel spun in ksoftirqd, now and then sleeping a moment, SIGIO unblocked).
    None otherwise."""
    if len(samples) < 2:
        raise ValueError("a hang needs at least two samples")
    if any(pgid not in taken for taken in samples):
        return None
    running = sum(1 for taken in samples if taken[pgid]["state"] == "R")
    grew = samples[-1][pgid]["stime"] - samples[0][pgid]["stime"]
    if running < len(samples) - 1 or grew <= 0:
        return None
    return (f"UML kernel pid {pgid} running (R) in {running} of {len(samples)} samples, its "
            f"system time +{grew} ticks, while the guest answers no SSH")


def watch(pgids, proc="/proc", samples=SAMPLES, interval=INTERVAL, pause=time.sleep,
          weak=False):
    """Sample the groups `samples` times, `interval` s apart: {pgid: (verdict or None,
    its samples)}, by verdict() or, with `weak`, by spinning(). A group drops out at its
    first sample without the cheap part of the signature (a healthy guest costs one
    sample), and the sampling ends once none is left."""
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
            if weak:
                if kernel is None:
                    open_.discard(pgid)
            elif not (kernel and kernel["state"] == "R" and kernel.get("SigBlk", 0) & _SIGIO_BIT):
                open_.discard(pgid)
    judge = spinning if weak else verdict
    return {pgid: (judge(taken[pgid], pgid) if pgid in open_ else None, taken[pgid])
            for pgid in pgids}


def _file(proc, pid, name):
    try:
        return _read(os.path.join(proc, str(pid), name)).strip()
    except OSError as exc:
        return f"(unreadable: {exc.strerror})"


_PTRACE_GETREGS, _PTRACE_ATTACH, _PTRACE_DETACH = 12, 16, 17
_WALL = 0x40000000
# struct user_regs_struct (x86_64): the indexes of rbp, rip and rsp among its 27 words
_RBP, _RIP, _RSP, _NREGS = 4, 16, 19, 27


def text_range(pid, proc="/proc"):
    """(start, end) of the executable mapping of the process's own binary (the UML kernel's
    text), or None."""
    try:
        exe = os.path.realpath(os.path.join(proc, str(pid), "exe"))
        maps = _read(os.path.join(proc, str(pid), "maps"))
    except OSError:
        return None
    for line in maps.splitlines():
        fields = line.split(None, 5)
        if len(fields) == 6 and fields[1].startswith("r-x") and fields[5].strip() == exe:
            start, end = fields[0].split("-")
            return int(start, 16), int(end, 16)
    return None


def backtrace(pid, depth=24, scan=8192):
    """Where a process that nobody traces is: PTRACE_ATTACH, GETREGS, PTRACE_DETACH, and
    from /proc/PID/mem in between its frame-pointer chain (the lab's kernel has
    CONFIG_FRAME_POINTER; a chain that starts in libc may be cut short) and every word of
    the `scan` bytes above its stack pointer that points into its own text (the return
    addresses of the calls it is in, plus some stale ones). For a hung guest only: it
    stops the process for a moment. {rip, rsp, frames, stack}; OSError if it cannot."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    if libc.ptrace(_PTRACE_ATTACH, pid, None, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"PTRACE_ATTACH {pid}: {os.strerror(err)}")
    try:
        os.waitpid(pid, _WALL)
        regs = (ctypes.c_ulong * _NREGS)()
        if libc.ptrace(_PTRACE_GETREGS, pid, None, ctypes.byref(regs)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"PTRACE_GETREGS {pid}: {os.strerror(err)}")
        text = text_range(pid) or (0, 0)
        frames, stack = [], []
        with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
            rbp = regs[_RBP]
            for _ in range(depth):
                if not rbp or rbp % 8:
                    break
                try:
                    mem.seek(rbp)
                    saved, ret = struct.unpack("<QQ", mem.read(16))
                except (OSError, struct.error, ValueError, OverflowError):
                    break
                frames.append(ret)
                if saved <= rbp:            # frames go up the stack; anything else ends it
                    break
                rbp = saved
            try:
                mem.seek(regs[_RSP])
                data = mem.read(scan)
            except (OSError, ValueError, OverflowError):
                data = b""
        for offset in range(0, len(data) - 7, 8):
            (word,) = struct.unpack_from("<Q", data, offset)
            if text[0] <= word < text[1]:
                stack.append((offset, word))
        return {"rip": regs[_RIP], "rsp": regs[_RSP], "frames": frames, "stack": stack[:48]}
    finally:
        libc.ptrace(_PTRACE_DETACH, pid, None, None)


def symbolizer(kallsyms_text):
    """address -> 'name+0xoff' from a /proc/kallsyms text (text symbols only)."""
    table = []
    for line in kallsyms_text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] in "tTwW":
            try:
                table.append((int(fields[0], 16), fields[2]))
            except ValueError:
                continue
    table.sort()
    starts = [address for address, _ in table]

    def name(address):
        index = bisect.bisect_right(starts, address) - 1
        # past 64 KiB from the nearest symbol: not the kernel's (host libc, say)
        if index < 0 or not table[index][0] or address - table[index][0] > 0x10000:
            return "?"
        return f"{table[index][1]}+{address - table[index][0]:#x}"
    return name


def evidence(name, pgid, reason, samples, console_text, proc="/proc", syscall_samples=10,
             traces=None, symbol=None):
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
    for number, trace in enumerate(traces or []):
        if isinstance(trace, str):
            parts += [f"--- backtrace {number}: {trace}", ""]
            continue
        def line(address, prefix=""):
            return f"  {prefix}{address:#018x} {symbol(address) if symbol else ''}".rstrip()
        parts.append(f"--- backtrace {number}: rip, then the frame-pointer chain")
        parts += [line(trace["rip"]), *(line(address) for address in trace["frames"])]
        parts.append(f"--- backtrace {number}: text addresses on the stack above rsp "
                     f"{trace['rsp']:#x} (offset: address)")
        parts += [line(address, f"+{offset:#06x}: ") for offset, address in trace["stack"]]
        parts.append("")
    parts.append("--- the group's processes per sample: pid state utime stime SigPnd ShdPnd SigBlk")
    for number, taken in enumerate(samples):
        parts.append(f"sample {number}:")
        parts += [f"  {p['pid']} {p['state']} {p['utime']} {p['stime']} {p.get('SigPnd', 0):016x} "
                  f"{p.get('ShdPnd', 0):016x} {p.get('SigBlk', 0):016x}"
                  for p in sorted(taken.values(), key=lambda p: p["pid"])]
    tail = console_text.splitlines()[-40:]
    parts += ["", f"--- console log, last {len(tail)} lines", *tail, ""]
    return "\n".join(parts)
