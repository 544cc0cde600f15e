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
