"""lab up boots a guest that does not answer SSH once more (its first console log kept),
and fails on a second silence or on a panic, which would only recur."""

import pytest

from lvslab import guest as guests
from lvslab import lifecycle
from lvslab import topology as topo

GUEST = topo.GUESTS[0]


class Done:
    stdout = "running\n"


@pytest.fixture
def lab(monkeypatch):
    """Fakes for everything _wait_until_running touches; `lab.waits` scripts wait_for_ssh."""
    calls = []

    class Lab:
        waits = []

    def wait_for_ssh(guest, deadline):
        calls.append(("wait", guest.name))
        outcome = Lab.waits.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(guests, "wait_for_ssh", wait_for_ssh)
    monkeypatch.setattr(guests, "keep_console_log",
                        lambda guest, attempt: calls.append(("keep", guest.name, attempt)) or "kept")
    monkeypatch.setattr(lifecycle, "_stop_guest", lambda guest: calls.append(("stop", guest.name)))
    monkeypatch.setattr(lifecycle, "_start_guest",
                        lambda guest, lower: calls.append(("start", guest.name)))
    monkeypatch.setattr(lifecycle.remote, "ssh", lambda *args, **kwargs: Done())
    Lab.calls = calls
    return Lab


def test_a_guest_without_ssh_is_booted_once_more(lab):
    lab.waits = [guests.NoSSH("router1: no SSH"), None]
    lifecycle._wait_until_running([GUEST], "/lower")
    assert lab.calls == [("wait", GUEST.name), ("keep", GUEST.name, 1), ("stop", GUEST.name),
                         ("start", GUEST.name), ("wait", GUEST.name)]


def test_a_second_silence_fails_the_lab_up(lab):
    lab.waits = [guests.NoSSH("first"), guests.NoSSH("second")]
    with pytest.raises(guests.NoSSH, match="second"):
        lifecycle._wait_until_running([GUEST], "/lower")
    assert [call[0] for call in lab.calls].count("start") == 1


def test_a_panic_is_not_retried(lab):
    lab.waits = [guests.BootFailed("router1: the UML kernel panicked during boot: ...")]
    with pytest.raises(guests.BootFailed):
        lifecycle._wait_until_running([GUEST], "/lower")
    assert lab.calls == [("wait", GUEST.name)]
