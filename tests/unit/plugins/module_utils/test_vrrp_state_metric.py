"""keepalived's VRRP state program (vrrp_notify_fifo_script) of the router role's metrics."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import vrrp_state_metric as metric
from recorded import KEEPALIVED

PROGRAM = Path(metric.__file__)


def sample(name, value):
    return 'lvs_cluster_vrrp_state{vrrp_instance="%s"} %d' % (name, value)


GROUPS = {"lvs_cluster": ["lvs_public", "lvs_private"]}


def test_the_lines_keepalived_writes_are_read_as_instance_states():
    assert metric.parse_line('INSTANCE "lvs_public" MASTER 100\n') == [("lvs_public", "MASTER")]
    assert metric.parse_line("INSTANCE lvs_private BACKUP 90") == [("lvs_private", "BACKUP")]
    assert metric.parse_line('INSTANCE "lvs_public" STOP 100') == [("lvs_public", "STOP")]
    assert metric.parse_line('INSTANCE "lvs_public" DELETED 100') == [("lvs_public", None)]
    # a sync group's state is its instances' (named in the program's arguments)
    assert metric.parse_line('GROUP "lvs_cluster" FAULT 0', GROUPS) == [
        ("lvs_public", "FAULT"), ("lvs_private", "FAULT")]
    assert metric.parse_line('GROUP "lvs_cluster" FAULT 0') == []
    assert metric.parse_line('GROUP "other" MASTER 0', GROUPS) == []
    for other in ('INSTANCE "lvs_public" MASTER_RX_LOWER_PRI 100', 'INSTANCE "lvs_public" MASTER_PRIORITY 90',
                  'INSTANCE "a b" MASTER 1', 'INSTANCE "x\\"}" MASTER 1', "", "garbage", "VS [192.0.2.10]:tcp:80 UP"):
        assert metric.parse_line(other, GROUPS) == [], other


def test_the_group_arguments():
    assert metric.parse_groups(["lvs_cluster=lvs_public,lvs_private", "g=i"]) == dict(GROUPS, g=["i"])
    for bad in ("lvs_cluster", "lvs_cluster=", "=lvs_public", "g=a,,b", "g=a b"):
        with pytest.raises(ValueError):
            metric.parse_groups([bad])


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


def test_a_file_it_cannot_write_is_said_and_the_reading_goes_on(tmp_path, capsys):
    follower = metric.Follower(str(tmp_path / "missing" / "vrrp.prom"))
    assert not follower.line('INSTANCE "lvs_public" MASTER 100')
    assert "vrrp-state-metric: %s" % (tmp_path / "missing" / "vrrp.prom") in capsys.readouterr().err
    assert follower.states == {"lvs_public": "MASTER"}
    (tmp_path / "missing").mkdir()
    assert follower.line('GROUP "lvs_cluster" MASTER 0')     # no change, but never written yet
    assert sample("lvs_public", 2) in (tmp_path / "missing" / "vrrp.prom").read_text()


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
    for argv in (["relative.prom", "/run/x.fifo"], ["/run/x.prom", "group", "/run/x.fifo"], ["/run/x.prom"]):
        done = subprocess.run([sys.executable, str(PROGRAM)] + argv,
                              stderr=subprocess.PIPE, universal_newlines=True, check=False)
        assert done.returncode == 2 and done.stderr.strip(), (argv, done.stderr)


RECORDED = KEEPALIVED / "vrrp-fifo-events.txt"


def test_keepalived_s_recorded_events_give_each_phase_its_state(tmp_path):
    """The FIFO of keepalived 2.2.7 recorded over start, reload, fault and stop
    (fixtures/keepalived/record-vrrp-fifo.sh), replayed to a new program at each start as
    keepalived runs them: the file after each phase."""
    output = tmp_path / "vrrp.prom"
    phases, follower = [], None
    for line in RECORDED.read_text().splitlines(keepends=True):
        if line == "# started\n":
            follower = metric.Follower(str(output), GROUPS)
        elif line == "# SIGTERM\n":
            follower.terminating = True
        elif line == "# closed\n":
            follower.closed()
            phases.append(("closed", output.read_text()))
        elif not line.startswith("#") and follower.line(line):
            phases.append((line.split()[2], output.read_text()))
    follower.closed()

    def values(text):
        return [int(row.split()[-1]) for row in text.splitlines() if not row.startswith("#")]

    # [private, public] after each write: start backup (the group's line first), master;
    # the reload leaves the file and the new program writes the group's state for both (the
    # only state keepalived sends it); fault, backup, master; stopped
    assert [(event, values(text)) for event, text in phases] == [
        ("BACKUP", [1, 1]), ("MASTER", [2, 1]), ("MASTER", [2, 2]),
        ("closed", [2, 2]),
        ("MASTER", [2, 2]), ("FAULT", [2, 3]), ("FAULT", [3, 3]), ("BACKUP", [1, 3]), ("BACKUP", [1, 1]),
        ("MASTER", [1, 2]), ("MASTER", [2, 2]), ("STOP", [2, 4]), ("STOP", [4, 4])]
    assert phases[-1][1] == output.read_text()      # the stop's close wrote nothing more
