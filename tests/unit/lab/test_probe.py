"""The traffic probe's window: --until FILE ends steady requests and held connections once
the file exists (traffic across a change of unknown length), --duration stays the limit, and
the result says which ended it. Against an echo server on loopback."""

import socket
import threading

import pytest

from lvslab import probe


@pytest.fixture
def echo():
    """An echo service as the lab's: its name as the first line, then every line back."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve(conn):
        with conn:
            conn.sendall(b"rs-test\n")
            while not stop.is_set():
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                conn.sendall(data)

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(None)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield "127.0.0.1:%d" % server.getsockname()[1]
    stop.set()
    server.close()


def _create_later(path, seconds):
    timer = threading.Timer(seconds, path.write_text, args=("",))
    timer.start()
    return timer


def test_steady_ends_when_the_file_appears(echo, tmp_path):
    until = tmp_path / "stop"
    _create_later(until, 1.5)
    result = probe.steady(echo, 10, 60, 2, str(until))
    assert result["ended_by"] == "until"
    assert 1.5 <= result["duration_s"] < 4
    assert 10 <= result["sent"] <= 40
    assert result["ok"] == result["sent"] and result["failed"] == 0
    assert result["answers"] == {"rs-test": result["sent"]}


def test_steady_without_the_file_runs_its_duration(echo, tmp_path):
    result = probe.steady(echo, 10, 1, 2, str(tmp_path / "never"))
    assert result["ended_by"] == "duration"
    assert result["sent"] == 10 and result["ok"] == 10


def test_held_connections_end_when_the_file_appears(echo, tmp_path):
    until = tmp_path / "stop"
    _create_later(until, 2.5)
    result = probe.hold(echo, 5, 60, 2, str(until))
    assert result["ended_by"] == "until"
    assert 2.5 <= result["duration_s"] < 6
    assert result["opened"] == result["survived"] == 5 and result["lost"] == 0
    assert result["rounds"] >= 3


def test_held_connections_without_until_run_their_duration(echo):
    result = probe.hold(echo, 3, 2, 2)
    assert result["ended_by"] == "duration"
    assert result["survived"] == 3 and result["rounds"] >= 3
