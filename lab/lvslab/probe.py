"""Run inside the lab's client namespace: N fresh TCP connections to each target, and who
answered each (the lab's real servers answer with their host name: lighttpd on port 80,
the echo services on 7 and 443).

    python3 probe.py [-n N] [--timeout S] HOST:PORT ...   (IPv6: [ADDR]:PORT)

Prints one JSON object: {target: {answer: count}}, failures counted under "<error: ...>".
A new connection per request, so IPVS schedules every one (no keep-alive reuse).
Standard library only: it runs with the host's python3 in a namespace, not in the venv.
"""

import argparse
import collections
import json
import socket


def split_target(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def ask(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as conn:
        if port == 80:
            name = "[%s]" % host if ":" in host else host   # an IPv6 Host header is bracketed
            conn.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" % name.encode())
            data = b""
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace").strip()
        data = b""
        while b"\n" not in data:
            chunk = conn.recv(256)
            if not chunk:
                break
            data += chunk
        return data.split(b"\n", 1)[0].decode(errors="replace").strip()


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args(argv)
    result = {}
    for target in args.targets:
        host, port = split_target(target)
        counts = collections.Counter()
        for _ in range(args.n):
            try:
                counts[ask(host, port, args.timeout) or "<empty answer>"] += 1
            except OSError as error:
                counts["<error: %s>" % (error.strerror or error.__class__.__name__)] += 1
        result[target] = dict(counts)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
