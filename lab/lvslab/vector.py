"""Does the lab's kernel keep every guest task's FP/vector registers its own?

lab/vector_state.c, compiled here (static, so the guest needs nothing), runs in a guest:
two processes of two threads each hold their own values in the vector registers (AVX2,
or AVX-512 where the CPU has it) for SECONDS while the guest kernel preempts them and
signal handlers overwrite the registers, and count the blocks that came back changed.
A kernel that does not save and restore the whole XSAVE area fails it (docs/uml-kernel.md).
"""

import hashlib
import os
import re

from .paths import SSH_CONFIG, STATE
from .remote import ssh
from .run import run

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vector_state.c")
GUEST_PATH = "/usr/local/bin/lab-vector-state"
SECONDS = 10

_SUMMARY = re.compile(r"vector_state: (?P<fields>isa=\S+(?: \S+=\S+)*)(?: first: (?P<first>.*))?$")


def binary():
    """The test program, compiled once per source text into the lab's state directory."""
    with open(SOURCE, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:12]
    path = os.path.join(STATE, f"vector_state-{digest}")
    if not os.path.exists(path):
        os.makedirs(STATE, exist_ok=True)
        run(["gcc", "-O2", "-Wall", "-pthread", "-static", "-o", path + ".tmp", SOURCE])
        os.replace(path + ".tmp", path)
    return path


def parse_summary(text):
    """{field: value} of the program's summary line (numbers as int), 'first' the first
    mismatch if any; None when the output has no summary line."""
    for line in reversed(text.splitlines()):
        match = _SUMMARY.match(line.strip())
        if match:
            fields = dict(item.split("=", 1) for item in match.group("fields").split())
            result = {key: int(value) if value.isdigit() else value
                      for key, value in fields.items()}
            result["first"] = match.group("first")
            return result
    return None


def install(guest_name):
    """Copy the program into the guest through ssh's standard input (no scp/sftp there)."""
    with open(binary(), "rb") as program:
        data = program.read()
    command = (f"cat > {GUEST_PATH}.tmp && chmod 755 {GUEST_PATH}.tmp && "
               f"mv {GUEST_PATH}.tmp {GUEST_PATH}")
    run(["ssh", "-F", SSH_CONFIG, guest_name, command], input_text=data, timeout=120)


def run_in(guest_name, seconds=SECONDS):
    """(exit status, output) of one run in the guest."""
    install(guest_name)
    done = ssh(guest_name, f"{GUEST_PATH} -p 2 -t 2 -s {seconds}", check=False,
               timeout=seconds + 60)
    return done.returncode, (done.stdout + done.stderr).strip()
