"""Command line of the lab tool: lab/lab <command>."""

import argparse
import os
import signal
import sys

from . import base, kernel, lifecycle, remote
from .run import CommandError


def topo_guest(name):
    from . import topology
    return topology.guest(name)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="lab/lab", description="The lvs.cluster test lab.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="build the kernel and base tree if needed, boot the lab "
                                   "(idempotent)")
    commands.add_parser("down", help="stop every guest, remove namespaces and mounts")
    commands.add_parser("reset", help="every guest booted fresh from the base tree (their "
                        "disks thrown away), the namespaces kept")
    status = commands.add_parser("status", help="what runs; exit 0 only when the whole lab is up")
    status.add_argument("--quiet", action="store_true", help="only the exit status")
    commands.add_parser("kernel", help="build the lab's UML kernel if needed; print its path")
    commands.add_parser("base", help="build the kernel and guest base tree if needed; "
                                     "print the tree's path")
    commands.add_parser("image", help="import the base tree as a podman image; print its name")
    commands.add_parser("selftest", help="prove IPVS NAT and direct routing carry HTTP")
    commands.add_parser("check", help="find hung guests (UML kernel spinning with SIGIO "
                        "blocked, its processes stopped): log the evidence to "
                        ".lab/logs/NAME-hang.log, power-cycle them; exit 1 if one was hung")
    cut = commands.add_parser("power-cut", help="sync the guests' disks, then kill them as a "
                              "power cut would (no shutdown); `up` boots them again")
    cut.add_argument("guests", nargs="+")
    reboot = commands.add_parser("reboot", help="a clean reboot: each guest's own shutdown "
                                 "(systemctl poweroff), then boot it again")
    reboot.add_argument("guests", nargs="+")
    traffic = commands.add_parser("traffic", help="N fresh connections from the client to each "
                                  "HOST:PORT; print who answered (JSON)")
    traffic.add_argument("-n", type=int, default=30)
    traffic.add_argument("--rate", type=float, help="steady requests per second to one target, "
                         "for --duration s: counts and the longest gap without an answer")
    traffic.add_argument("--hold", type=int, help="N connections held open to one echo target "
                         "for --duration s, a line echoed on each every second: how many still "
                         "echo at the end")
    traffic.add_argument("--duration", type=float, default=10.0)
    traffic.add_argument("--until", metavar="FILE", help="with --rate or --hold: end early once "
                         "FILE exists (--duration stays the limit)")
    traffic.add_argument("--timeout", type=float, default=3.0)
    traffic.add_argument("targets", nargs="+", metavar="HOST:PORT")
    ssh = commands.add_parser("ssh", help="run a command in a guest (or a shell)")
    ssh.add_argument("guest")
    ssh.add_argument("words", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if os.geteuid() != 0:
        parser.error("the lab needs root (namespaces, taps, overlay mounts)")
    # SIGTERM (timeout, CI) unwinds like Ctrl-C: a kernel build stops its compilers, a
    # failing `up` removes what it started.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        if args.command == "up":
            lifecycle.up()
        elif args.command == "down":
            lifecycle.down()
        elif args.command == "reset":
            lifecycle.reset()
        elif args.command == "status":
            if not args.quiet:
                print(lifecycle.status())
            return 0 if lifecycle.is_up() else 3
        elif args.command == "kernel":
            kernel.ensure()
            print(kernel.binary())
        elif args.command == "base":
            print(base.ensure())
        elif args.command == "image":
            from . import image
            print(image.ensure())
        elif args.command == "selftest":
            from . import selftest
            return selftest.main()
        elif args.command == "check":
            hung = lifecycle.check()
            if hung:
                print(f"lab: check: hung and power-cycled: {', '.join(hung)}", file=sys.stderr)
                return 1
            print("lab: check: no hung guest", file=sys.stderr)
        elif args.command == "power-cut":
            lifecycle.power_cut([topo_guest(name) for name in args.guests])
        elif args.command == "reboot":
            lifecycle.reboot([topo_guest(name) for name in args.guests])
        elif args.command == "traffic":
            from . import topology as topo
            from .run import in_netns, run
            probe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe.py")
            steady = ["--rate", str(args.rate), "--duration", str(args.duration)] if args.rate else []
            if args.hold:
                steady = ["--hold", str(args.hold), "--duration", str(args.duration)]
            if args.until and steady:
                steady += ["--until", os.path.abspath(args.until)]
            done = run(in_netns(topo.CLIENT_NETNS, ["python3", probe, "-n", str(args.n), "--timeout",
                                                    str(args.timeout), *steady, *args.targets]),
                       timeout=max(600, args.duration + args.timeout + 60))
            print(done.stdout.strip())
        elif args.command == "ssh":
            os.execvp("ssh", ["ssh", "-F", remote.SSH_CONFIG, args.guest, *args.words])
    except (CommandError, RuntimeError, KeyError) as exc:
        print(f"lab: {args.command} failed: {exc}", file=sys.stderr)
        return 1
    return 0
