# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A send/expect health check for keepalived's MISC_CHECK (keepalived 2.2.7 has no TCP
send/expect checker: TCP_CHECK only connects, UDP_CHECK is UDP only).

    send-expect-check ADDRESS PORT TIMEOUT [--send=TEXT] --expect=TEXT

TEXT is percent-encoded UTF-8 (keepalived_conf.encode_text), so keepalived.conf carries
it as one plain word and no shell ever sees it. Connects to ADDRESS:PORT over TCP, sends
TEXT (nothing without --send: a server that speaks first), reads until the reply holds
the expected text, the server closes, 64 KiB have come or TIMEOUT seconds have passed.
Exit status 0: the reply held it; 1: it did not, or no connection (keepalived takes the
real server out on a non-zero status).

The router role installs this file as a program (python3, standard library only).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import sys
import time

try:
    from urllib.parse import unquote_to_bytes
except ImportError:  # pragma: no cover - Python 2
    from urllib import unquote as unquote_to_bytes

MAX_REPLY = 65536
USAGE = "usage: send-expect-check ADDRESS PORT TIMEOUT [--send=TEXT] --expect=TEXT"


def parse(argv):
    """(address, port, timeout, send bytes, expect bytes) from the arguments."""
    positional, options = [], {}
    for word in argv:
        if word.startswith("--"):
            name, _sep, value = word[2:].partition("=")
            if name not in ("send", "expect") or name in options:
                raise ValueError("unknown or repeated option %s" % word)
            options[name] = unquote_to_bytes(value)
        else:
            positional.append(word)
    if len(positional) != 3 or not options.get("expect"):
        raise ValueError(USAGE)
    address, port, timeout = positional
    port, timeout = int(port), float(timeout)
    if not 1 <= port <= 65535 or timeout <= 0:
        raise ValueError("port 1-65535 and a positive timeout are needed")
    return address.strip("[]"), port, timeout, options.get("send", b""), options["expect"]


def check(address, port, timeout, send, expect):
    """True if the reply to send holds expect within timeout seconds."""
    deadline = time.monotonic() + timeout
    try:
        connection = socket.create_connection((address, port), timeout=timeout)
    except (OSError, socket.error):
        return False
    reply = b""
    try:
        if send:
            connection.sendall(send)
        while expect not in reply and len(reply) < MAX_REPLY:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            connection.settimeout(left)
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
    except (OSError, socket.error):
        return False
    finally:
        connection.close()
    return expect in reply


def main(argv=None):
    try:
        arguments = parse(sys.argv[1:] if argv is None else argv)
    except ValueError as error:
        sys.stderr.write("%s\n" % error)
        return 2
    return 0 if check(*arguments) else 1


if __name__ == "__main__":
    raise SystemExit(main())
