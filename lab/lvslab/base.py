"""The guests' shared root tree: Debian 12 by debootstrap, plus the lab kernel's modules.

Built once into a cache directory named after a hash of everything that shapes it
(package list, suite, the lab kernel's key (kernel.py), this recipe), so it is rebuilt
only when one of those changes. Guests mount it read-only as the lower layer of their
overlay.
"""

import glob
import hashlib
import os
import re
import shutil

from . import kernel
from .paths import CACHE_DIR
from .run import run, say

SUITE = "bookworm"
RECIPE_VERSION = "6"        # bump when the post-install steps below change
PACKAGES_FILE = os.path.join(os.path.dirname(__file__), "..", "guest-packages.txt")

# Units that have nothing to do in a UML guest on a hostfs root; masked so the guest
# reaches `running` with no failed units.
MASKED_UNITS = (
    "systemd-remount-fs.service",
    "getty@tty1.service",
    "serial-getty@ttyS0.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
)

# Units the packages enable that a guest does not run until a role asks for them.
DISABLED_UNITS = (
    "prometheus-node-exporter.service",
)

HOSTKEYS_UNIT = """[Unit]
Description=SSH host keys of this host, made at first boot
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
"""


def packages():
    with open(PACKAGES_FILE, encoding="utf-8") as handle:
        names = [line.split("#", 1)[0].strip() for line in handle]
    return sorted(name for name in names if name)


def key():
    # The kernel's key stands for its release and modules: a new kernel, a new tree.
    digest = hashlib.sha256()
    digest.update("\n".join([SUITE, RECIPE_VERSION, kernel.key(), *packages()]).encode())
    return digest.hexdigest()[:12]


def tree_dir():
    return os.path.join(CACHE_DIR, f"base-{key()}")


def rootfs():
    return os.path.join(tree_dir(), "rootfs")


def is_built():
    return os.path.exists(os.path.join(tree_dir(), "complete"))


def debian_mirror():
    """The Debian mirror this host's apt already uses (LVS_LAB_MIRROR overrides)."""
    if os.environ.get("LVS_LAB_MIRROR"):
        return os.environ["LVS_LAB_MIRROR"]
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*"))]:
        try:
            with open(path, encoding="utf-8") as handle:
                mirror = debian_mirror_in(handle.read())
        except OSError:
            continue
        if mirror:
            return mirror
    raise RuntimeError("cannot find a Debian mirror in /etc/apt sources; set LVS_LAB_MIRROR")


def debian_mirror_in(text):
    """The first Debian archive URI of an apt sources text (one-line or deb822), or None."""
    uris = re.findall(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s", text, re.M)
    uris += [uri for line in re.findall(r"^\s*URIs:(.*)$", text, re.M) for uri in line.split()]
    for uri in uris:
        if re.search(r"/debian/?$", uri):
            return uri
    return None


def ensure():
    """Build the kernel and the base tree unless cached ones match; return the rootfs path."""
    kernel.ensure()
    if is_built():
        return rootfs()
    with kernel.cache_lock("base.lock", "base tree build"):
        if not is_built():          # built by another lab while this one waited
            _build()
    return rootfs()


def _build():
    staging = tree_dir() + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    target = os.path.join(staging, "rootfs")
    say(f"building the guest base tree ({SUITE}, {len(packages())} packages) in {tree_dir()}")
    run(["debootstrap", "--variant=minbase", "--include=" + ",".join(packages()),
         SUITE, target, debian_mirror()], capture=True)
    _post_install(target)
    with open(os.path.join(staging, "complete"), "w", encoding="utf-8") as handle:
        handle.write(key() + "\n")
    os.rename(staging, tree_dir())
    _prune_old_trees()


def _post_install(target):
    version = kernel.release()
    modules = os.path.join(target, "lib", "modules", version)
    shutil.rmtree(modules, ignore_errors=True)
    shutil.copytree(kernel.modules_dir(), modules, symlinks=True)
    run(["chroot", target, "depmod", version])
    # Each guest gets its own identity at first boot or from the lab.
    for path in glob.glob(os.path.join(target, "etc", "ssh", "ssh_host_*")):
        os.remove(path)
    with open(os.path.join(target, "etc", "machine-id"), "w", encoding="utf-8"):
        pass
    units = os.path.join(target, "etc", "systemd", "system")
    # Containers of this tree get no keys from the lab: make them at first boot.
    with open(os.path.join(units, "ssh-hostkeys.service"), "w", encoding="utf-8") as handle:
        handle.write(HOSTKEYS_UNIT)
    os.symlink("/etc/systemd/system/ssh-hostkeys.service",
               os.path.join(units, "multi-user.target.wants", "ssh-hostkeys.service"))
    for unit in MASKED_UNITS:
        link = os.path.join(units, unit)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink("/dev/null", link)
    # Installed for the router role's metrics option, not running: Debian's package starts
    # it at boot on every address (:9100), on the real servers too (on their VIPs held on
    # loopback). The role enables and starts it where the option asks for it.
    for unit in DISABLED_UNITS:
        run(["chroot", target, "systemctl", "disable", "--quiet", unit])
    # Nothing to fetch offline; keep the tree small.
    run(["chroot", target, "apt-get", "clean"])


def _prune_old_trees():
    """Drop trees of older recipes, except one a running guest still mounts."""
    current = os.path.basename(tree_dir())
    with open("/proc/mounts", encoding="utf-8") as mounts:
        in_use = mounts.read()
    for path in glob.glob(os.path.join(CACHE_DIR, "base-*")):
        if os.path.basename(path) != current and os.path.isdir(path) and path not in in_use:
            shutil.rmtree(path, ignore_errors=True)
