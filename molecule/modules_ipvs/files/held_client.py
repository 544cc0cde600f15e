"""Hold one TCP connection to the lab's echo service through a VIP and keep talking on it.

Usage: held_client.py ADDRESS PORT DIR. Connects once, reads the first line (the real
server's host name) into DIR/server, then every 0.2 s sends "tick N" and expects the same
line back. Ticks echoed after DIR/changed exists count as "after". Ends when DIR/stop exists
(or after 600 s) and prints a JSON summary; exit 1 on any error on the connection.
"""

import json
import os
import socket
import sys
import time

address, port, state = sys.argv[1], int(sys.argv[2]), sys.argv[3]
summary = {"server": None, "ticks_before": 0, "ticks_after": 0, "error": None}
try:
    conn = socket.create_connection((address, port), timeout=5)
    stream = conn.makefile("rw")
    summary["server"] = stream.readline().strip()
    with open(os.path.join(state, "server"), "w") as handle:
        handle.write(summary["server"] + "\n")
    deadline = time.monotonic() + 600
    tick = 0
    while not os.path.exists(os.path.join(state, "stop")) and time.monotonic() < deadline:
        tick += 1
        after = os.path.exists(os.path.join(state, "changed"))
        stream.write("tick %d\n" % tick)
        stream.flush()
        answer = stream.readline().strip()
        if answer != "tick %d" % tick:
            raise RuntimeError("sent tick %d, got %r" % (tick, answer))
        summary["ticks_after" if after else "ticks_before"] += 1
        time.sleep(0.2)
    conn.close()
except Exception as error:  # report it, the playbook asserts on it
    summary["error"] = "%s: %s" % (type(error).__name__, error)
print(json.dumps(summary))
sys.exit(1 if summary["error"] else 0)
