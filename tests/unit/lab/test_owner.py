"""Another checkout's lab: refused while a guest of it runs, removed when it is stale.

Namespaces and mounts live in /run and outlive the session that made them; its processes
do not. CI met such a lab on the next clone of the same machine and refused to start."""

import subprocess
import sys

import pytest

from lvslab import guest as guests
from lvslab import lifecycle, network
from lvslab import topology as topo


@pytest.fixture
def other_owner(tmp_path, monkeypatch):
    owner = tmp_path / "owner"
    owner.write_text("/elsewhere/.lab\n")
    monkeypatch.setattr(lifecycle, "OWNER_FILE", str(owner))
    monkeypatch.setattr(network, "netns_exists", lambda name: True)
    removed = []
    monkeypatch.setattr(lifecycle, "_remove_stale", lambda: removed.append(True))
    return removed


def test_a_running_guest_of_another_checkout_is_refused(other_owner):
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)",
                                f"umid={topo.INSTANCE}-rs1"])
    try:
        assert process.pid in guests.instance_pids()
        with pytest.raises(RuntimeError, match="another checkout.*/elsewhere/.lab"):
            lifecycle._check_owner()
    finally:
        process.kill()
        process.wait()
    assert other_owner == []


def test_a_lab_without_a_running_guest_is_removed(other_owner, monkeypatch):
    monkeypatch.setattr(guests, "instance_pids", lambda: [])
    lifecycle._check_owner()
    assert other_owner == [True]


def test_our_own_lab_is_neither_refused_nor_removed(other_owner, monkeypatch, tmp_path):
    (tmp_path / "owner").write_text(lifecycle.STATE + "\n")
    lifecycle._check_owner()
    assert other_owner == []


def test_a_file_another_lab_down_removed_first_is_no_error(tmp_path):
    path = tmp_path / "owner"
    path.write_text("/here/.lab\n")
    lifecycle._remove_file(str(path))
    assert not path.exists()
    lifecycle._remove_file(str(path))       # removed meanwhile by the other `lab down`
