"""The lab's own User-Mode Linux kernel, built once per machine from Debian packages.

Debian's user-mode-linux kernel lacks the nf_tables ip/ip6/inet/arp families, so the lab
builds its own: Linux 6.1 from the `linux-source-6.1` package, the UML x86_64 defconfig
plus lab/kernel/*.fragment (what systemd needs, the vector NICs, Debian's netfilter and
IPVS choices and the missing nf_tables families), with lab/kernel/*.patch applied to the
source (in name order; uml-host-xstate-size.patch makes UML carry the host's whole XSAVE
area, uml-vector-transient-errors.patch keeps a transient NIC error from killing the
interface and spinning the kernel; see docs/uml-kernel.md). The result is cached:

    <cache>/kernel-<key>/linux              the stripped kernel binary the guests boot
    <cache>/kernel-<key>/modules/<release>/ its stripped modules, for the base tree
    <cache>/kernel-<key>/config, release    the .config it was built from, its release
    <cache>/kernel-<key>/complete           written last: the directory is whole

<key> hashes the linux-source-6.1 package version, the fragments, the patches, the gcc
version and RECIPE_VERSION; a change of any of them means a new build, nothing else does. Builds run
under a file lock (one per cache, however many labs share it), in a scratch directory,
and only a finished kernel is renamed into place.
"""

import contextlib
import ctypes
import fcntl
import functools
import glob
import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import time

from .paths import CACHE_DIR
from .run import CommandError, run, say

RECIPE_VERSION = "2"        # bump when the build steps below change what they produce
SOURCE_PACKAGE = "linux-source-6.1"
SOURCE_TARBALL = "/usr/src/linux-source-6.1.tar.xz"
FRAGMENT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kernel")
FRAGMENTS = ("trim.fragment", "netfilter.fragment")     # merge order: later lines win
PATCH_GLOB = "*.patch"                                  # applied in name order
WORK_DIR = os.path.join(CACHE_DIR, "kernel-work")      # scratch: source and objects
HEARTBEAT = 60              # seconds between progress lines while compiling

_SET = re.compile(r"(CONFIG_[A-Za-z0-9_]+)=(.*)")
_NOT_SET = re.compile(r"# (CONFIG_[A-Za-z0-9_]+) is not set")


# --- pure parts: the key and the config check ----------------------------------------

def compute_key(source_version, fragments, gcc_version, recipe=RECIPE_VERSION):
    """12 hex digits naming a kernel built from these inputs. `fragments`: (name, text)."""
    digest = hashlib.sha256()
    for part in (recipe, source_version, gcc_version,
                 *(f"{name}\0{text}" for name, text in fragments)):
        digest.update(part.encode() + b"\0\0")
    return digest.hexdigest()[:12]


def parse_config(text, strict=False):
    """{symbol: value} of a .config or fragment text; None for `# CONFIG_X is not set`.

    Other comments and blank lines are skipped; with strict (fragments), any other line
    is an error, so a typo cannot silently ask for nothing."""
    symbols = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        setting, unset = _SET.fullmatch(line), _NOT_SET.fullmatch(line)
        if setting:
            symbols[setting.group(1)] = setting.group(2)
        elif unset:
            symbols[unset.group(1)] = None
        elif strict and line and not line.startswith("#"):
            raise ValueError(f"line {number} is not a kernel config setting: {raw!r}")
    return symbols


def wanted(texts):
    """What the fragments ((name, text) pairs) ask for, merged like merge_config.sh: a
    later line wins."""
    merged = {}
    for name, text in texts:
        try:
            merged.update(parse_config(text, strict=True))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from exc
    return merged


def config_problems(wanted_symbols, config_text):
    """Each wanted setting the final .config does not have, as a sentence; [] if none."""
    have = parse_config(config_text)
    problems = []
    for symbol, value in wanted_symbols.items():
        actual = have.get(symbol)
        if value is None:
            if actual is not None:
                problems.append(f"{symbol} should not be set, the .config has {symbol}={actual}")
        elif actual != value:
            found = (f"{symbol}={actual}" if actual is not None
                     else "it not set" if symbol in have else "no such line")
            problems.append(f"{symbol}={value} was asked for, the .config has {found}")
    return problems


# --- this machine's inputs and the cache ----------------------------------------------

def fragments():
    texts = []
    for name in FRAGMENTS:
        with open(os.path.join(FRAGMENT_DIR, name), encoding="utf-8") as handle:
            texts.append((name, handle.read()))
    return texts


def patches():
    """(name, text) of every lab/kernel/*.patch, in the order they are applied."""
    texts = []
    for path in sorted(glob.glob(os.path.join(FRAGMENT_DIR, PATCH_GLOB))):
        with open(path, encoding="utf-8") as handle:
            texts.append((os.path.basename(path), handle.read()))
    return texts


def source_version():
    done = run(["dpkg-query", "-W", "-f=${Version}", SOURCE_PACKAGE], check=False)
    if done.returncode != 0 or not done.stdout.strip() or not os.path.exists(SOURCE_TARBALL):
        raise RuntimeError(f"{SOURCE_PACKAGE} is not installed ({SOURCE_TARBALL}); "
                           "`make setup` installs it (requirements/apt.txt)")
    return done.stdout.strip()


def gcc_version():
    return run(["gcc", "--version"]).stdout.splitlines()[0]


@functools.lru_cache(maxsize=None)
def key():
    return compute_key(source_version(), fragments() + patches(), gcc_version(), RECIPE_VERSION)


def kernel_dir():
    return os.path.join(CACHE_DIR, f"kernel-{key()}")


def binary():
    return os.path.join(kernel_dir(), "linux")


def release():
    with open(os.path.join(kernel_dir(), "release"), encoding="utf-8") as handle:
        return handle.read().strip()


def modules_dir():
    return os.path.join(kernel_dir(), "modules", release())


def is_built():
    return os.path.exists(os.path.join(kernel_dir(), "complete"))


@contextlib.contextmanager
def cache_lock(name, what):
    """Hold <cache>/<name> (flock) for the block; say so when another lab holds it."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    with open(os.path.join(CACHE_DIR, name), "a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another lab's {what} ({handle.name})")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure():
    """Build the kernel unless the cached one matches; return its directory."""
    if is_built():
        return kernel_dir()
    with cache_lock("kernel.lock", "kernel build"):
        if not is_built():              # built by another lab while this one waited
            _build()
            _prune_old_kernels()
    return kernel_dir()


# --- the build -------------------------------------------------------------------------

def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _die_with_parent():
    """In the child: SIGTERM when the lab process dies, even by SIGKILL (make passes it on
    to its compilers). Without this a killed `lab kernel` left make compiling on in the
    work directory, and the next build, taking the freed lock, compiled beside it."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)     # PR_SET_PDEATHSIG


def _stop_group(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _step(argv, log, cwd=None, env=None, heartbeat=None):
    """Run argv with its output appended to `log`; on failure raise with the log's tail.

    The step runs in a process group of its own, stopped whole if this process is
    interrupted or terminated (lab/lab turns SIGTERM into an exception) or dies."""
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        try:
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True, preexec_fn=_die_with_parent)
        except FileNotFoundError as exc:
            raise CommandError(f"{argv[0]}: not installed ({exc})") from exc
        started = time.monotonic()
        try:
            while True:
                try:
                    returncode = process.wait(timeout=HEARTBEAT if heartbeat else None)
                    break
                except subprocess.TimeoutExpired:
                    heartbeat(time.monotonic() - started)
        except BaseException:
            _stop_group(process)
            raise
    if returncode != 0:
        with open(log, encoding="utf-8", errors="replace") as handle:
            tail = "".join(handle.readlines()[-25:])
        raise CommandError(f"{' '.join(argv)} exited {returncode}; end of {log}:\n{tail}")


def _build_env():
    env = dict(os.environ, LC_ALL="C", LANG="C", ARCH="um",
               KBUILD_BUILD_USER="lvs-lab", KBUILD_BUILD_HOST="lvs-lab")
    if shutil.which("ccache"):
        # A second-level cache: a kernel whose fragments changed recompiles only what
        # the change touches. It hits only for the same source path (the kernel passes
        # it in -fmacro-prefix-map), hence the one fixed WORK_DIR.
        env.update(CCACHE_DIR=os.path.join(CACHE_DIR, "ccache"), CCACHE_MAXSIZE="1G")
    return env


def _build():
    staging = kernel_dir() + ".partial"
    for path in (WORK_DIR, staging):
        shutil.rmtree(path, ignore_errors=True)
    os.makedirs(WORK_DIR)
    os.makedirs(staging)
    log = os.path.join(WORK_DIR, "build.log")
    version = source_version()
    started, cpu_before = time.monotonic(), _children_cpu()
    say(f"building the lab's UML kernel from {SOURCE_PACKAGE} {version} into {kernel_dir()} "
        "(once per machine: 12-15 min on 2 cores, under 2 min with a warm ccache)")
    try:
        built = _compile(log, staging)
    except BaseException:
        failed_log = os.path.join(CACHE_DIR, "kernel-failed.log")
        if os.path.exists(log):
            shutil.copyfile(log, failed_log)
            say(f"kernel build failed; its log is kept as {failed_log}")
        shutil.rmtree(WORK_DIR, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu_before
    shutil.copyfile(log, os.path.join(staging, "build.log"))
    with open(os.path.join(staging, "complete"), "w", encoding="utf-8") as handle:
        handle.write(f"key {key()}\nrelease {built}\nsource {SOURCE_PACKAGE} {version}\n"
                     f"wall_seconds {wall:.0f}\ncpu_seconds {cpu:.0f}\n")
    os.rename(staging, kernel_dir())
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    say(f"kernel {built} built in {int(wall) // 60} min {int(wall) % 60} s "
        f"({cpu:.0f} CPU-s): {binary()}")


def _compile(log, staging):
    """Extract, configure, check, build, install into staging; return the release."""
    env = _build_env()
    say(f"kernel: extracting {SOURCE_TARBALL}")
    _step(["tar", "-C", WORK_DIR, "-xf", SOURCE_TARBALL], log, env=env)
    tops = [path for path in glob.glob(os.path.join(WORK_DIR, "linux-source-*"))
            if os.path.isdir(path)]
    if len(tops) != 1:
        raise RuntimeError(f"{SOURCE_TARBALL}: expected one linux-source-* directory, "
                           f"found {tops or 'none'}")
    src, obj = tops[0], os.path.join(WORK_DIR, "obj")
    for name, _ in patches():
        say(f"kernel: applying {name}")
        _step(["patch", "-p1", "--forward", "--batch", "-d", src,
               "-i", os.path.join(FRAGMENT_DIR, name)], log, env=env)
    config = os.path.join(obj, ".config")
    make = ["make", "-C", src, "ARCH=um", f"O={obj}"]

    say(f"kernel: configuring (defconfig + {', '.join(FRAGMENTS)})")
    _step(make + ["defconfig"], log, env=env)
    _step([os.path.join(src, "scripts", "kconfig", "merge_config.sh"), "-m", "-O", obj, config,
           *(os.path.join(FRAGMENT_DIR, name) for name in FRAGMENTS)], log, cwd=src, env=env)
    _step(make + ["olddefconfig"], log, env=env)
    with open(config, encoding="utf-8") as handle:
        problems = config_problems(wanted(fragments()), handle.read())
    if problems:
        raise RuntimeError("the kernel .config lacks settings the fragments ask for "
                           "(olddefconfig drops a setting whose dependencies are off; "
                           "enable those or remove the line):\n  " + "\n  ".join(problems))

    compiler = "ccache gcc" if shutil.which("ccache") else "gcc"
    # LVS_LAB_KERNEL_JOBS: fewer jobs on a machine other labs share (the result is the same)
    jobs = int(os.environ.get("LVS_LAB_KERNEL_JOBS") or os.cpu_count() or 1)
    say(f"kernel: compiling with {jobs} jobs ({compiler})")

    def progress(elapsed):
        with open(log, encoding="utf-8", errors="replace") as handle:
            compiled = sum(1 for line in handle if line.startswith("  CC "))
        say(f"kernel: still compiling, {int(elapsed) // 60} min {int(elapsed) % 60} s, "
            f"{compiled} files so far")

    _step(make + [f"-j{jobs}", f"CC={compiler}", "linux", "modules"], log, env=env,
          heartbeat=progress)
    with open(os.path.join(obj, "include", "config", "kernel.release"), encoding="utf-8") as handle:
        built = handle.read().strip()

    say(f"kernel: installing {built} and its modules")
    _step(["strip", "-o", os.path.join(staging, "linux"), os.path.join(obj, "linux")], log, env=env)
    install = os.path.join(staging, "install")
    _step(make + [f"INSTALL_MOD_PATH={install}", "INSTALL_MOD_STRIP=1", "modules_install"],
          log, env=env)
    os.rename(os.path.join(install, "lib", "modules"), os.path.join(staging, "modules"))
    shutil.rmtree(install)
    _drop_links_out_of(os.path.join(staging, "modules"), WORK_DIR)
    shutil.copyfile(config, os.path.join(staging, "config"))
    with open(os.path.join(staging, "release"), "w", encoding="utf-8") as handle:
        handle.write(built + "\n")
    return built


def _drop_links_out_of(tree, scratch):
    """modules_install links build/ and source/ to the scratch tree, which goes away."""
    for root, dirs, files in os.walk(tree):
        for name in dirs + files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                target = os.path.realpath(path)
                if target.startswith(scratch + os.sep) or not os.path.exists(target):
                    os.remove(path)


def _binaries_in_use():
    paths = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                paths.add(os.readlink(f"/proc/{entry}/exe").removesuffix(" (deleted)"))
            except OSError:
                continue
    return paths


def _prune_old_kernels():
    """Drop kernels of other keys, and leftovers of failed builds, unless a guest runs one."""
    current = os.path.basename(kernel_dir())
    in_use = _binaries_in_use()
    for path in glob.glob(os.path.join(CACHE_DIR, "kernel-*")):
        name = os.path.basename(path)
        if name == current or not re.fullmatch(r"kernel-[0-9a-f]{12}(\.partial)?", name):
            continue
        if any(exe.startswith(path + os.sep) for exe in in_use):
            continue
        shutil.rmtree(path, ignore_errors=True)
