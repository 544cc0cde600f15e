"""One User-Mode Linux guest: an overlay root over the base tree, its own identity
(hostname, addresses, SSH keys), booted to systemd inside the hub namespace."""

import os
import re
import shutil
import signal
import subprocess
import time

from . import kernel
from . import topology as topo
from .paths import LOGS, SSH_KEY, UML_DIR, console_log, guest_dir
from .run import in_netns, ok, run

BOOT_TIMEOUT = int(os.environ.get("LVS_LAB_BOOT_TIMEOUT", "120"))


def merged(guest):
    return guest_dir(guest.name, "root")


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/mounts", encoding="utf-8") as mounts:
        return any(line.split()[1] == path for line in mounts)


def mount_overlay(guest, lower):
    for part in ("upper", "work", "root"):
        os.makedirs(guest_dir(guest.name, part), exist_ok=True)
    if not is_mounted(merged(guest)):
        run(["mount", "-t", "overlay", f"{topo.INSTANCE}-{guest.name}", "-o",
             f"lowerdir={lower},upperdir={guest_dir(guest.name, 'upper')},"
             f"workdir={guest_dir(guest.name, 'work')}", merged(guest)])


def unmount_overlay(guest):
    if is_mounted(merged(guest)):
        run(["umount", merged(guest)])


def _write(root, path, text, mode=0o644):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(full, mode)


def _symlink(root, path, target):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if os.path.lexists(full):
        os.remove(full)
    os.symlink(target, full)


def network_script(guest):
    lines = ["#!/bin/sh", "# Written by the lvs.cluster lab: this guest's addresses.", "set -e",
             "ip link set lo up"]
    for number, nic in enumerate(guest.nics):
        dev = f"vec{number}"
        lines += [f"ip link set {dev} up", f"ip addr replace {nic.ipv4}/24 dev {dev}"]
        if nic.ipv6:
            lines.append(f"ip -6 addr replace {nic.ipv6}/64 dev {dev} nodad")
    # Routers reach "the internet" on the public side, real servers through the private one.
    upstream = topo.gateway("public" if guest.nic("public") else "private")
    lines.append(f"ip route replace default via {upstream.ipv4}")
    lines.append(f"ip -6 route replace default via {upstream.ipv6}")
    return "\n".join(lines) + "\n"


NETWORK_UNIT = """[Unit]
Description=Lab addresses of this guest
Before=network.target ssh.service
Wants=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/lab-network

[Install]
WantedBy=multi-user.target
"""


# Real servers also echo on TCP and UDP port 7, first line their name: tests hold a
# connection through a VIP open across a change and see which server answers. TCP is
# lab-echo (echo.py: one process for every connection), UDP socat.
ECHO_PROGRAM = "/usr/local/sbin/lab-echo"
ECHO_UNITS = {
    "lab-echo-tcp.service": f"{ECHO_PROGRAM} 7",
    "lab-echo-udp.service": "/usr/bin/socat UDP6-RECVFROM:7,ipv6only=0,fork SYSTEM:'hostname; exec cat'",
    # The HTTPS port of the clusters' firewall-mark services (80 + 443 as one service);
    # plain TCP that answers with the host's name is all a test needs to see who answered.
    "lab-echo-443.service": f"{ECHO_PROGRAM} 443",
}
ECHO_UNIT = """[Unit]
Description=Lab echo service ({command})
After=network.target

[Service]
ExecStart={command}
Restart=always

[Install]
WantedBy=multi-user.target
"""


def personalise(guest):
    """Write this guest's identity into its overlay (lands in the upper layer)."""
    root = merged(guest)
    _write(root, "/etc/hostname", guest.name + "\n")
    _write(root, "/etc/hosts", f"127.0.0.1 localhost\n127.0.1.1 {guest.name}\n"
                               "::1 localhost ip6-localhost ip6-loopback\n")
    with open(SSH_KEY + ".pub", encoding="utf-8") as handle:
        _write(root, "/root/.ssh/authorized_keys", handle.read(), 0o600)
    os.chmod(os.path.join(root, "root", ".ssh"), 0o700)
    if not os.path.exists(os.path.join(root, "etc", "ssh", "ssh_host_ed25519_key")):
        run(["chroot", root, "ssh-keygen", "-A"])
    _write(root, "/usr/local/sbin/lab-network", network_script(guest), 0o755)
    _write(root, "/etc/systemd/system/lab-network.service", NETWORK_UNIT)
    _symlink(root, "/etc/systemd/system/multi-user.target.wants/lab-network.service",
             "/etc/systemd/system/lab-network.service")
    if guest.group == "lab_real_servers":
        _write(root, "/var/www/html/index.html", guest.name + "\n")
        # hostfs keeps no file ownership: an error.log lighttpd made becomes root's on the
        # next boot, and lighttpd (as www-data) then refuses to start. Log to the journal.
        _write(root, "/etc/lighttpd/conf-enabled/99-lab-errorlog.conf",
               'server.errorlog-use-syslog = "enable"\n')
        with open(os.path.join(os.path.dirname(__file__), "echo.py"), encoding="utf-8") as handle:
            _write(root, ECHO_PROGRAM, handle.read(), 0o755)
        for unit, command in ECHO_UNITS.items():
            _write(root, f"/etc/systemd/system/{unit}", ECHO_UNIT.format(command=command))
            _symlink(root, f"/etc/systemd/system/multi-user.target.wants/{unit}",
                     f"/etc/systemd/system/{unit}")
    else:
        _symlink(root, "/etc/systemd/system/lighttpd.service", "/dev/null")


def pid_file(guest):
    return guest_dir(guest.name, "pid")


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _proc_argv(pid, attempts=50, pause=0.01):
    """The argv of a live process; None once it is gone or a zombie.

    While a process execs (a guest's `ip netns exec` becoming the kernel) or exits, its
    /proc/PID/cmdline reads empty for a moment: such a read is tried again rather than
    taken to mean another process. Empty for good (a kernel thread): []."""
    for _ in range(attempts):
        try:
            cmdline = _read(f"/proc/{pid}/cmdline")
            state = _read(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            return None
        if state == b"Z":
            return None
        if cmdline:
            return cmdline.split(b"\0")
        time.sleep(pause)
    return []


def instance_pids():
    """Every live UML kernel of this lab instance, whichever checkout booted it."""
    marker = f"umid={topo.INSTANCE}-".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            argv = _proc_argv(int(entry), attempts=1) or []
            if any(arg.startswith(marker) for arg in argv):
                found.append(int(entry))
    return found


def instance_mounts():
    """Mount points of this lab instance's guest overlays, whichever checkout made them."""
    with open("/proc/mounts", encoding="utf-8") as mounts:
        return [line.split()[1] for line in mounts if line.startswith(f"{topo.INSTANCE}-")]


def running_pid(guest):
    """The guest's UML kernel pid if that process is alive and is ours, else None.

    Ours means: its command line carries this lab's umid for the guest. That holds for
    whichever kernel binary booted it (the lab's own, or linux.uml of older labs)."""
    try:
        with open(pid_file(guest), encoding="utf-8") as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return None
    argv = _proc_argv(pid) or []
    return pid if f"umid={topo.INSTANCE}-{guest.name}".encode() in argv else None


def boot(guest):
    argv = [kernel.binary(), f"umid={topo.INSTANCE}-{guest.name}", f"uml_dir={UML_DIR}",
            f"mem={guest.mem_mb}M", "rootfstype=hostfs", f"rootflags={merged(guest)}", "rw",
            "init=/lib/systemd/systemd", "con=null", "con0=fd:0,fd:1",
            # The kernel sizes the connection tracking table by memory: 3072 entries in 384M,
            # fewer than a 25 requests/s client loop keeps in TIME_WAIT (120 s), and a full
            # table drops new flows, VRRP adverts and sync datagrams too (measured; modprobe
            # takes the size from this command line when it loads nf_conntrack)
            "nf_conntrack.hashsize=32768"]
    # Not "quiet": the kernel's and systemd's boot messages go to the console log, so that a
    # boot that never reaches SSH (kept as <name>-console.<attempt>.log) shows where it stopped.
    for number in range(len(guest.nics)):
        argv.append(f"vec{number}:transport=tap,ifname={guest.tap(number)},mac={guest.mac(number)}")
    os.makedirs(UML_DIR, exist_ok=True)
    os.makedirs(LOGS, exist_ok=True)
    with open(console_log(guest.name), "wb") as console:
        # Its own session: the whole guest (UML runs one host process per guest process)
        # can then be stopped as one process group.
        process = subprocess.Popen(in_netns(topo.HUB_NETNS, argv), stdin=subprocess.DEVNULL,
                                   stdout=console, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    with open(pid_file(guest), "w", encoding="utf-8") as handle:
        handle.write(f"{process.pid}\n")
    return process.pid


def ssh_port_open(guest, seconds=2):
    """True when the guest's SSH port accepts a connection within `seconds`."""
    return ok(in_netns(topo.HUB_NETNS, ["nc", "-z", "-w", str(seconds), guest.mgmt_ip, "22"]))


class BootFailed(RuntimeError):
    """The guest's kernel died or panicked: booting it again would do the same."""


class NoSSH(RuntimeError):
    """The guest runs but did not answer SSH in time: worth one more boot."""


_PANIC = re.compile(r"Kernel panic - not syncing: .*")
# Lines a UML kernel prints just before it gives up (the panic's cause, when it has one).
_CAUSE = re.compile(r".*(failed|error|errno|Segfault|BUG|Oops|Unable to|not found).*",
                    re.IGNORECASE)


def boot_failure_cause(console_text):
    """The panic line of a console log, with the error line before it; None without one.

    E.g. 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b (after:
    userspace - ptrace set fp regs failed, errno = 14)'."""
    lines = [line.strip() for line in console_text.splitlines()]
    for number in range(len(lines) - 1, -1, -1):
        panic = _PANIC.search(lines[number])
        if not panic:
            continue
        for earlier in reversed(lines[max(0, number - 10):number]):
            if _CAUSE.fullmatch(earlier) and not _PANIC.search(earlier):
                return f"{panic.group(0)} (after: {earlier})"
        return panic.group(0)
    return None


def console_text(guest):
    try:
        with open(console_log(guest.name), encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def keep_console_log(guest, attempt):
    """Keep the console log of a boot that is given up, as <name>-console.<attempt>.log."""
    kept = console_log(guest.name).replace("-console.log", f"-console.{attempt}.log")
    if os.path.exists(console_log(guest.name)):
        shutil.copyfile(console_log(guest.name), kept)
    return kept


def _exit_status(guest):
    """How the guest's kernel process ended, if it was this process's child: 'killed by
    SIGSEGV', 'exit status 1'; None if that cannot be known."""
    try:
        with open(pid_file(guest), encoding="utf-8") as handle:
            pid = int(handle.read().strip())
        reaped, status = os.waitpid(pid, os.WNOHANG)
    except (OSError, ValueError):
        return None
    if reaped != pid:
        return None
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def wait_for_ssh(guest, deadline):
    """Wait until the guest's SSH port answers. BootFailed names the kernel's panic (a
    guest that panicked may hang rather than exit); NoSSH when the deadline passes."""
    while time.monotonic() < deadline:
        alive = running_pid(guest) is not None
        cause = boot_failure_cause(console_text(guest))
        if cause or not alive:
            what = "panicked" if alive else "exited"
            ended = None if alive else _exit_status(guest)
            reason = "; ".join(part for part in (cause, ended) if part)
            raise BootFailed(f"{guest.name}: the UML kernel {what} during boot: "
                             f"{reason or 'no panic line on its console'}; see "
                             f"{console_log(guest.name)}")
        if ssh_port_open(guest, seconds=1):
            return
        time.sleep(0.5)
    raise NoSSH(f"{guest.name}: no SSH on {guest.mgmt_ip} after {BOOT_TIMEOUT} s; see "
                f"{console_log(guest.name)}")


def kill(guest, grace=15):
    """Stop the guest's process group: SIGTERM, then SIGKILL after `grace` seconds.

    SIGCONT follows SIGTERM so that a stopped (frozen) group gets it too."""
    pid = running_pid(guest)
    if pid is None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
        try:
            os.killpg(pid, sig)
            if sig == signal.SIGTERM:
                os.killpg(pid, signal.SIGCONT)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(pid):
            time.sleep(0.2)
        if not _group_alive(pid):
            break
    if _group_alive(pid):
        raise RuntimeError(f"{guest.name}: process group {pid} survived SIGKILL")


def wait_reaped(pid, timeout=15):
    """Orphaned guests are reaped by PID 1, which may take a moment: wait until the pid is
    gone so that a finished lab-down leaves not even a zombie behind."""
    deadline = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.2)


def _group_alive(pgid):
    """True while a process of the group still runs (zombies waiting for PID 1 do not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":    # fields: state, ppid, pgrp, ...
            return True
    return False
