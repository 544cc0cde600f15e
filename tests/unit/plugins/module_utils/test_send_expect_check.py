"""The send/expect checker keepalived runs through MISC_CHECK, against a local server."""

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import send_expect_check
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_conf import encode_text


@pytest.fixture
def server():
    """A one-connection-at-a-time TCP server on 127.0.0.1: replies to what it gets with
    the reply set in state (after reading one chunk, or at once when greet is set)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    state = {"reply": b"", "greet": False, "received": []}

    def serve():
        while True:
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    if not state["greet"]:
                        state["received"].append(connection.recv(4096))
                    if state["reply"] is not None:
                        connection.sendall(state["reply"])
                    else:
                        connection.recv(4096)      # say nothing until the client gives up
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], state
    listener.close()


def test_the_reply_must_hold_the_expected_text(server):
    port, state = server
    state["reply"] = b"HTTP/1.0 200 OK\r\n\r\nhello"
    assert send_expect_check.check("127.0.0.1", port, 2, b"GET / HTTP/1.0\r\n\r\n", b"200 OK")
    assert state["received"][-1] == b"GET / HTTP/1.0\r\n\r\n"
    assert not send_expect_check.check("127.0.0.1", port, 2, b"GET /\r\n\r\n", b"404")


def test_a_server_that_speaks_first_needs_no_send(server):
    port, state = server
    state.update(greet=True, reply=b"220 mail ESMTP\r\n")
    assert send_expect_check.check("127.0.0.1", port, 2, b"", b"220 ")


def test_silence_and_refusal_fail_within_the_timeout(server):
    port, state = server
    state["reply"] = None
    assert not send_expect_check.check("127.0.0.1", port, 0.3, b"ping\n", b"pong")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    free_port = closed.getsockname()[1]
    closed.close()
    assert not send_expect_check.check("127.0.0.1", free_port, 1, b"", b"x")


def test_the_command_line_keepalived_runs(server):
    """The words keepalived_conf renders, run as a program: exit 0 up, 1 down, 2 misused."""
    port, state = server
    state["reply"] = b"+OK 'quoted' \"text\" #!\r\n"
    program = Path(send_expect_check.__file__)
    words = ["127.0.0.1", str(port), "2", "--send=%s" % encode_text("PING\r\n"),
             "--expect=%s" % encode_text("+OK 'quoted' \"text\" #!")]
    assert subprocess.run([sys.executable, str(program)] + words, check=False).returncode == 0
    words[-1] = "--expect=%s" % encode_text("-ERR")
    assert subprocess.run([sys.executable, str(program)] + words, check=False).returncode == 1
    assert send_expect_check.main(["127.0.0.1", str(port)]) == 2
    assert send_expect_check.main(["127.0.0.1", "0", "1", "--expect=x"]) == 2
    assert send_expect_check.main(["127.0.0.1", str(port), "1", "--bogus=x", "--expect=x"]) == 2


def test_arguments_decode_percent_encoding():
    assert send_expect_check.parse(["[2001:db8::1]", "80", "1.5", "--send=a%20b%0D%0A",
                                    "--expect=%C3%BC"]) == \
        ("2001:db8::1", 80, 1.5, b"a b\r\n", u"\u00fc".encode("utf-8"))
