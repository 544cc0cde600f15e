"""Running host commands: argument lists, C locale, never a shell."""

import os
import subprocess
import sys

_ENV = dict(os.environ, LC_ALL="C", LANG="C")


class CommandError(RuntimeError):
    pass


def run(argv, check=True, capture=True, input_text=None, timeout=None):
    """Run argv; return CompletedProcess. Raise CommandError naming the command on failure.

    input_text given as bytes (a binary for a guest) makes the whole exchange bytes."""
    try:
        done = subprocess.run(argv, env=_ENV, text=not isinstance(input_text, bytes),
                              input=input_text, timeout=timeout,
                              stdout=subprocess.PIPE if capture else None,
                              stderr=subprocess.PIPE if capture else None,
                              stdin=None if input_text is not None else subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise CommandError(f"{argv[0]}: not installed ({exc})") from exc
    except subprocess.TimeoutExpired as exc:
        # subprocess.run has killed it; callers handle this like any failed command
        raise CommandError(f"{' '.join(argv)}: no answer within {timeout} s") from exc
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout or "") if capture else ""
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        detail = detail.strip()
        raise CommandError(f"{' '.join(argv)} exited {done.returncode}: {detail}")
    return done


def ok(argv):
    """True when argv exits 0 (output discarded)."""
    return run(argv, check=False).returncode == 0


def in_netns(netns, argv):
    return ["ip", "netns", "exec", netns, *argv]


def say(message):
    print(f"lab: {message}", file=sys.stderr, flush=True)
