"""keepalived's VRRP state program (vrrp_notify_fifo_script) of the router role's metrics."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import vrrp_state_metric as metric

PROGRAM = Path(metric.__file__)


def sample(name, value):
    return 'lvs_cluster_vrrp_state{vrrp_instance="%s"} %d' % (name, value)


def test_the_lines_keepalived_writes_are_read_as_instance_states():
    assert metric.parse_line('INSTANCE "lvs_public" MASTER 100\n') == ("lvs_public", "MASTER")
    assert metric.parse_line("INSTANCE lvs_private BACKUP 90") == ("lvs_private", "BACKUP")
    assert metric.parse_line('INSTANCE "lvs_public" STOP 100') == ("lvs_public", "STOP")
    assert metric.parse_line('INSTANCE "lvs_public" DELETED 100') == ("lvs_public", None)
    for other in ('GROUP "lvs_cluster" MASTER 100', 'INSTANCE "lvs_public" MASTER_RX_LOWER_PRI 100',
                  'INSTANCE "lvs_public" MASTER_PRIORITY 90', 'INSTANCE "a b" MASTER 1',
                  'INSTANCE "x\\"}" MASTER 1', "", "garbage"):
        assert metric.parse_line(other) is None, other


def test_the_file_is_prometheus_text_sorted_by_instance():
    text = metric.render({"lvs_public": "MASTER", "lvs_private": "FAULT"})
    assert text.splitlines() == [
        "# HELP lvs_cluster_vrrp_state " + metric.HELP,
        "# TYPE lvs_cluster_vrrp_state gauge",
        sample("lvs_private", 3), sample("lvs_public", 2)]


def test_each_change_rewrites_the_file_and_a_repeated_state_does_not(tmp_path):
    output = tmp_path / "vrrp.prom"
    follower = metric.Follower(str(output))
    assert follower.line('INSTANCE "lvs_public" BACKUP 100')
    assert follower.line('INSTANCE "lvs_private" BACKUP 100')
    assert not follower.line('GROUP "lvs_cluster" BACKUP 100')
    assert not follower.line('INSTANCE "lvs_public" BACKUP 100')
    assert follower.line('INSTANCE "lvs_public" MASTER 100')
    assert sample("lvs_public", 2) in output.read_text() and sample("lvs_private", 1) in output.read_text()
    assert follower.line('INSTANCE "lvs_private" DELETED 100')
    assert sample("lvs_private", 1) not in output.read_text()
    assert oct(output.stat().st_mode & 0o777) == "0o644"
    assert sorted(os.listdir(tmp_path)) == ["vrrp.prom"]       # no staged file left


def test_a_stop_is_written_a_reload_leaves_the_file_and_a_death_writes_stopped(tmp_path):
    output = tmp_path / "vrrp.prom"
    stopping = metric.Follower(str(output))
    stopping.line('INSTANCE "lvs_public" MASTER 100')
    stopping.terminating = True
    stopping.line('INSTANCE "lvs_public" STOP 100')
    assert not stopping.closed()
    assert sample("lvs_public", 4) in output.read_text()

    reloading = metric.Follower(str(output))
    reloading.line('INSTANCE "lvs_public" MASTER 100')
    reloading.terminating = True
    assert not reloading.closed()
    assert sample("lvs_public", 2) in output.read_text()

    died = metric.follow(str(output), iter(['INSTANCE "lvs_public" BACKUP 100\n']))
    assert died.states == {"lvs_public": "STOP"}
    assert sample("lvs_public", 4) in output.read_text()


def test_a_write_that_fails_leaves_the_old_file_and_no_staged_one(tmp_path, monkeypatch):
    output = tmp_path / "vrrp.prom"
    metric.write_atomically(str(output), "old\n")

    def refuse(_source, _target):
        raise OSError("no")

    monkeypatch.setattr(metric.os, "rename", refuse)
    with pytest.raises(OSError):
        metric.write_atomically(str(output), "new\n")
    assert output.read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["vrrp.prom"]


def _start(tmp_path):
    fifo, output = tmp_path / "vrrp.fifo", tmp_path / "vrrp.prom"
    os.mkfifo(str(fifo))
    process = subprocess.Popen([sys.executable, str(PROGRAM), str(output), str(fifo)])
    writer = open(str(fifo), "w")      # blocks until the program has opened it
    return process, writer, output


def _wait_for(output, text):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if output.exists() and text in output.read_text():
            return
        time.sleep(0.05)
    raise AssertionError("%s never said %r" % (output, text))


def test_the_program_as_keepalived_runs_it_when_it_stops(tmp_path):
    """keepalived's order when it stops: SIGTERM, then the STOP lines, then the FIFO closes."""
    process, writer, output = _start(tmp_path)
    writer.write('INSTANCE "lvs_public" BACKUP 100\nGROUP "lvs_cluster" BACKUP 100\n')
    writer.write('INSTANCE "lvs_public" MASTER 100\n')
    writer.flush()
    _wait_for(output, sample("lvs_public", 2))
    process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    assert process.poll() is None                  # still reading after SIGTERM
    writer.write('INSTANCE "lvs_public" STOP 100\n')
    writer.close()
    assert process.wait(timeout=10) == 0
    assert sample("lvs_public", 4) in output.read_text()


def test_the_program_as_keepalived_runs_it_when_it_reloads(tmp_path):
    """A reload: SIGTERM and the FIFO closed with no STOP line; the file stays for the next one."""
    process, writer, output = _start(tmp_path)
    writer.write('INSTANCE "lvs_public" MASTER 100\n')
    writer.flush()
    _wait_for(output, sample("lvs_public", 2))
    process.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    writer.close()
    assert process.wait(timeout=10) == 0
    assert sample("lvs_public", 2) in output.read_text()


def test_the_program_refuses_wrong_arguments():
    done = subprocess.run([sys.executable, str(PROGRAM), "relative.prom", "/run/x.fifo"],
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert done.returncode == 2 and done.stderr.strip() == metric.USAGE
