"""lab up / down / status: the whole lab's life, idempotent both ways."""

import os
import shutil
import signal
import time

from . import base, guest as guests, hang, network, remote
from . import topology as topo
from .inventory import render
from .paths import ANSIBLE_CONTROL_DIR, INVENTORY, LOGS, OWNER_FILE, STATE
from .run import CommandError, run, say


def _guest_answers(guest):
    if guests.running_pid(guest) is None:
        return False
    try:
        return remote.ssh(guest.name, "true", check=False, timeout=20).returncode == 0
    except CommandError:                # no answer in time: a hung guest
        return False


def _check_owner():
    """Refuse to touch a lab that another checkout started (same global names) while a
    guest of it runs. One of which no guest runs is stale: its session ended (its processes
    died, its namespaces and mounts in /run stayed; CI met this on the next clone of the
    same machine) and is removed, so that this checkout can start its own."""
    try:
        with open(OWNER_FILE, encoding="utf-8") as handle:
            owner = handle.read().strip()
    except FileNotFoundError:
        owner = None
    if not owner or owner == STATE or not network.netns_exists(topo.HUB_NETNS):
        return
    alive = guests.instance_pids()
    if alive:
        raise RuntimeError(f"the lab is running from another checkout (state in {owner}; "
                           f"guest pids {', '.join(map(str, alive))}); "
                           f"run `lab/lab down` there first")
    say(f"removing a stale lab of another checkout (state in {owner}): no guest of it runs")
    _remove_stale()


def _remove_namespaces():
    """The lab's namespaces, and anything still running in them (ssh ProxyCommands, test
    clients): it is the lab's."""
    for netns in (topo.CLIENT_NETNS, topo.HUB_NETNS):
        for pid in network.netns_pids(netns):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        network.delete_netns(netns)


def _remove_stale():
    """What a dead lab of this instance left in global places: namespaces (and whatever
    still runs in them), overlay mounts, the owner file. Its state directory is not ours."""
    _remove_namespaces()
    for mountpoint in guests.instance_mounts():
        run(["umount", "-l", mountpoint], check=False)
    _remove_file(OWNER_FILE)


def _remove_file(path):
    # not exists-then-remove: a second `lab down` (a CI trap's beside a person's) may remove
    # it in between, and the first then failed with FileNotFoundError
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _claim_owner():
    with open(OWNER_FILE, "w", encoding="utf-8") as handle:
        handle.write(STATE + "\n")


def up():
    """Bring the whole lab up; on failure remove what this call started and re-raise."""
    _check_owner()
    started_hub = not network.netns_exists(topo.HUB_NETNS)
    booted = []
    try:
        os.makedirs(STATE, exist_ok=True)
        remote.ensure_key()
        remote.write_ssh_config()
        lower = base.ensure()
        if started_hub:
            say("creating the lab's namespaces and bridges")
            _claim_owner()
            network.create_hub()
        if not network.netns_exists(topo.CLIENT_NETNS):
            network.create_client()
        for guest in topo.GUESTS:
            if _guest_answers(guest):
                continue
            if guests.running_pid(guest) is not None and hung_guests([guest], no_ssh=True):
                power_cut([guest])          # runs, no SSH, spinning (evidence logged)
            _stop_guest(guest)              # whatever is left of an earlier run
            _start_guest(guest, lower)
            booted.append(guest)
        if booted:
            say(f"booting {', '.join(g.name for g in booted)}")
            _wait_until_running(booted, lower)
        with open(INVENTORY, "w", encoding="utf-8") as handle:
            handle.write(render())
        say(f"lab is up: {len(topo.GUESTS)} guests; inventory at {os.path.relpath(INVENTORY)}")
    except BaseException as exc:
        say(f"lab-up failed: {exc}")
        try:
            if started_hub:
                say("removing everything this lab-up started")
                down()
            else:
                for guest in booted:
                    _stop_guest(guest)
        except Exception as cleanup:        # report, but raise the failure that counts
            say(f"clean-up after the failed lab-up: {cleanup}")
        raise


def hang_log(guest):
    return os.path.join(LOGS, f"{guest.name}-hang.log")


def hung_guests(candidates, no_ssh=False):
    """The guests among `candidates` whose UML kernel shows the hang of docs/lab.md ("A
    hung guest"); with `no_ssh` (guests known to answer no SSH) the weaker signature of a
    kernel that only spins (hang.spinning). Each one's evidence is appended to
    LOGS/NAME-hang.log and said on stderr. Takes about hang.SAMPLES * hang.INTERVAL s when
    a guest looks hung, one /proc pass when none does."""
    pids = {guest.name: guests.running_pid(guest) for guest in candidates}
    running = [guest for guest in candidates if pids[guest.name] is not None]
    found = hang.watch([pids[guest.name] for guest in running], weak=no_ssh)
    hung = []
    for guest in running:
        reason, samples = found[pids[guest.name]]
        if reason is None:
            continue
        text = hang.evidence(guest.name, pids[guest.name], reason, samples,
                             guests.console_text(guest), traces=_backtraces(pids[guest.name]),
                             symbol=_symbolizer(topo.GUESTS, guest))
        os.makedirs(LOGS, exist_ok=True)
        with open(hang_log(guest), "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        banner = "!" * 78
        say(f"{banner}\n{text}\n{banner}")
        say(f"{guest.name} is HUNG: {reason}; evidence appended to {hang_log(guest)}")
        hung.append(guest)
    return hung


def _backtraces(pid, count=5):
    """A few backtraces of the spinning kernel, 0.2 s apart (where the loop goes)."""
    traces = []
    for _ in range(count):
        try:
            traces.append(hang.backtrace(pid))
        except OSError as exc:
            traces.append(f"none: {exc}")
            break
        time.sleep(0.2)
    return traces


def _symbolizer(others, hung):
    """Names for kernel addresses from /proc/kallsyms of another guest of this lab (the same
    kernel binary, not relocated: UML is linked at a fixed address); None if none answers."""
    for guest in others:
        if guest.name == hung.name or guests.running_pid(guest) is None:
            continue
        try:
            done = remote.ssh(guest.name, "cat /proc/kallsyms", check=False, timeout=20)
        except CommandError:
            continue
        if done.returncode == 0 and done.stdout:
            return hang.symbolizer(done.stdout)
    return None


def check():
    """`lab check`: find hung guests (evidence logged), power-cycle them and boot them
    again with `up`. Returns the names of the guests that were hung."""
    _check_owner()
    hung = hung_guests(topo.GUESTS)
    if hung:
        power_cut(hung)
        up()
    return [guest.name for guest in hung]


def _start_guest(guest, lower):
    network.create_taps(guest)
    guests.mount_overlay(guest, lower)
    guests.personalise(guest)
    guests.boot(guest)


def _wait_until_running(booted, lower):
    deadline = time.monotonic() + guests.BOOT_TIMEOUT
    for guest in booted:
        try:
            guests.wait_for_ssh(guest, deadline)
        except guests.NoSSH as exc:
            # Seen about once in 25 cold ups, unexplained: one more boot, its first
            # console log kept. A panic (BootFailed) is not retried: it would recur.
            kept = guests.keep_console_log(guest, 1)
            say(f"{exc}; booting it once more (first console log kept as {kept})")
            _stop_guest(guest)
            _start_guest(guest, lower)
            guests.wait_for_ssh(guest, time.monotonic() + guests.BOOT_TIMEOUT)
    for guest in booted:
        state = remote.ssh(guest.name, "systemctl is-system-running --wait", check=False,
                           timeout=max(5, deadline - time.monotonic())).stdout.strip()
        if state != "running":
            failed = remote.ssh(guest.name, "systemctl --failed --no-legend --plain",
                                check=False).stdout.strip()
            raise RuntimeError(f"{guest.name}: systemd is {state!r}; failed units: {failed or '?'}")


def _stop_guest(guest):
    """Power the guest off if it answers, kill its process group if it does not stop (or
    hangs: no step here waits on the guest without a time limit), remove its mount and taps.
    True when it went down by its own clean shutdown."""
    pid = guests.running_pid(guest)
    clean = False
    if pid is not None and guests.ssh_port_open(guest):
        # A clean poweroff first; the process group is killed if it does not finish.
        try:
            remote.ssh(guest.name, "systemctl poweroff --no-block", check=False, timeout=10)
        except CommandError as exc:
            say(f"{guest.name}: no clean poweroff ({exc}); killing it")
        deadline = time.monotonic() + 20
        while guests.running_pid(guest) is not None and time.monotonic() < deadline:
            time.sleep(0.3)
        clean = guests.running_pid(guest) is None
    remote.close_master(guest.name)
    try:
        guests.kill(guest)
        if pid is not None:
            guests.wait_reaped(pid)
    finally:
        # Even if the guest would not die, do not leave its mount and taps behind.
        guests.unmount_overlay(guest)
        if network.netns_exists(topo.HUB_NETNS):
            network.delete_taps(guest)
    return clean


def reboot(victims):
    """A clean reboot, the lab's way: each guest's own shutdown (`systemctl poweroff`: its
    services stop as on any reboot), then `up` boots it again. A UML guest cannot reboot in
    place here: after `systemctl reboot` it came back without its network (its vector
    devices could not reopen their taps). Fails, after booting them all again, if one did
    not finish its shutdown in time (it was killed: that was no clean reboot)."""
    _check_owner()
    unclean = []
    for guest in victims:
        if guests.running_pid(guest) is None:
            raise RuntimeError(f"{guest.name} is not running")
        if not _stop_guest(guest):
            unclean.append(guest.name)
        say(f"{guest.name}: shut down" + (" (not cleanly: killed)" if guest.name in unclean else ""))
    up()
    if unclean:
        raise RuntimeError("no clean shutdown of " + ", ".join(unclean))


def _kill(guest, pid):
    """The guest's kernel killed at once (pid: its process group, None when it does not
    run), its SSH master closed, its overlay unmounted, its taps deleted."""
    remote.close_master(guest.name)
    if pid is not None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        guests.wait_reaped(pid)
    guests.unmount_overlay(guest)
    if network.netns_exists(topo.HUB_NETNS):
        network.delete_taps(guest)


def _forget_guests():
    """The guests' disks (overlay upper directories) and Ansible's SSH sockets to them."""
    shutil.rmtree(os.path.join(STATE, "guests"), ignore_errors=True)
    shutil.rmtree(ANSIBLE_CONTROL_DIR, ignore_errors=True)


def power_cut(victims):
    """What a power cut does to a host: the guest's kernel dies at once, no shutdown runs.
    The disks are synced first (best effort), as a journalling disk would have them; `up`
    then cold-boots the guest from its kept overlay, and what comes back is only what it
    persisted itself. (Also the way out for a guest hung during its own shutdown.)"""
    for guest in victims:
        pid = guests.running_pid(guest)
        if pid is None:
            continue
        if guests.ssh_port_open(guest):
            try:
                remote.ssh(guest.name, "sync", check=False, timeout=10)
            except CommandError as exc:
                say(f"{guest.name}: no sync before the power cut ({exc})")
        _kill(guest, pid)
        say(f"{guest.name}: power cut")


def reset():
    """Every guest as a fresh boot of the base tree, the namespaces kept: a test compares a
    cluster built step by step with one built on new hosts. The guests are killed (their
    disks are thrown away, so no shutdown runs), their overlays removed, then `up`."""
    _check_owner()
    for guest in topo.GUESTS:
        _kill(guest, guests.running_pid(guest))
    _forget_guests()
    up()


def down():
    """Remove every trace of the lab: guests, mounts, namespaces; keep the cached base tree."""
    _check_owner()
    for guest in topo.GUESTS:
        try:
            _stop_guest(guest)
        except (CommandError, RuntimeError, OSError) as exc:
            say(f"{guest.name}: {exc}")
    _remove_namespaces()
    _forget_guests()
    for path in (INVENTORY, OWNER_FILE):
        _remove_file(path)
    leftovers = leftovers_report()
    if leftovers:
        raise RuntimeError("lab-down left: " + "; ".join(leftovers))
    say("lab is down")


def leftovers_report():
    found = []
    listed = run(["ip", "netns", "list"]).stdout
    found += [f"namespace {name}" for name in (topo.HUB_NETNS, topo.CLIENT_NETNS)
              if name in listed.split()]
    found += [f"{g.name} (pid {guests.running_pid(g)})" for g in topo.GUESTS
              if guests.running_pid(g) is not None]
    found += [f"mount {mountpoint}" for mountpoint in guests.instance_mounts()]
    return found


def is_up():
    """True when this checkout's lab runs: the namespace exists, every guest answers SSH."""
    try:
        _check_owner()
    except RuntimeError:
        return False
    return network.netns_exists(topo.HUB_NETNS) and all(_guest_answers(g) for g in topo.GUESTS)


def status():
    lines = []
    hub = network.netns_exists(topo.HUB_NETNS)
    lines.append(f"namespace {topo.HUB_NETNS}: {'present' if hub else 'absent'}")
    for guest in topo.GUESTS:
        pid = guests.running_pid(guest)
        answers = pid is not None and _guest_answers(guest)
        state = f"pid {pid}, ssh {'ok' if answers else 'not answering'}" if pid else "stopped"
        lines.append(f"{guest.name:8} {guest.mgmt_ip:15} {state}")
    return "\n".join(lines)
