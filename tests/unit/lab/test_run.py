"""Host commands: a command that does not answer in time is a CommandError like any other
failure, so callers that tolerate a failed command tolerate a hung one too (lab down used
to die on subprocess.TimeoutExpired from an SSH to a hung guest)."""

import pytest

from lvslab.run import CommandError, run


def test_a_timeout_is_a_command_error():
    with pytest.raises(CommandError, match=r"sleep 5: no answer within 0.2 s"):
        run(["sleep", "5"], check=False, timeout=0.2)


def test_a_failure_names_the_command():
    with pytest.raises(CommandError, match=r"false exited 1"):
        run(["false"])
    assert run(["false"], check=False).returncode == 1


def test_bytes_in_bytes_out():
    done = run(["cat"], input_text=b"\x00\xffbinary")
    assert done.stdout == b"\x00\xffbinary"
    with pytest.raises(CommandError, match=r"exited 1: oops"):
        run(["sh", "-c", "cat >/dev/null; echo oops >&2; exit 1"], input_text=b"\x00")
