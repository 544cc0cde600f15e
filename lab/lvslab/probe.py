"""Run inside the lab's client namespace: N fresh TCP connections to each target, and who
answered each (the lab's real servers answer with their host name: lighttpd on port 80,
the echo services on 7 and 443).

    python3 probe.py [-n N] [--timeout S] HOST:PORT ...   (IPv6: [ADDR]:PORT)
    python3 probe.py --rate R --duration S [--until FILE] [--timeout S] HOST:PORT
    python3 probe.py --hold N --duration S [--until FILE] [--timeout S] HOST:PORT   (an echo service)

Prints one JSON object: {target: {answer: count}}, failures counted under "<error: ...>".
With --rate: one target, a new request every 1/R s for S s, each in its own thread (a
request that hangs does not delay the next: the gap measured is the failover's, not the
client's timeout), and {"sent", "ok", "failed", "answers", "longest_gap_s",
"first_failure_s", "last_failure_s"}: longest_gap_s is the longest time without a
successful answer, from the start to the end (a failover's client-visible gap).
A new connection per request, so IPVS schedules every one (no keep-alive reuse).
With --hold: N connections opened at the start to an echo service (which first says its
name), each sending a numbered line every second and reading it back, for S s; then one last
round with --timeout to answer. {"opened", "survived", "lost", "answers", "errors",
"opened_at" (the wall-clock time all were open), "lost_ports" (client port: why)}: a
connection survived when its last line came back on the same connection (a failover in
between: did the new active router know the connection?).
With --until FILE, both end early once FILE exists (looked for once a second; --duration
stays the limit), and say which ended them: "ended_by" is "until" or "duration" (traffic
across a change of unknown length: the caller creates FILE when the change is over).
Standard library only: it runs with the host's python3 in a namespace, not in the venv.
"""

import argparse
import collections
import json
import select
import socket
import os
import threading
import time


class Window:
    """The traffic's time: duration s from now, or until the file `until` exists."""

    def __init__(self, duration, until=None):
        self.start, self.duration, self.until = time.monotonic(), duration, until
        self.ended_by, self._looked = None, None

    def elapsed(self):
        return time.monotonic() - self.start

    def over(self):
        if self.ended_by:
            return True
        if self.elapsed() >= self.duration:
            self.ended_by = "duration"
        elif self.until and (self._looked is None or time.monotonic() - self._looked >= 1.0):
            self._looked = time.monotonic()
            if os.path.exists(self.until):
                self.ended_by = "until"
        return bool(self.ended_by)


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


def steady(target, rate, duration, timeout, until=None):
    """A request every 1/rate s for duration s (or until the file `until` exists), each in
    its own thread (as many clients would: a request that hangs does not hold back the
    next), and the gaps between answers."""
    host, port = split_target(target)
    window = Window(duration, until)
    start = window.start
    lock = threading.Lock()
    answers, failures, times = collections.Counter(), [], [0.0]

    def one():
        try:
            answer = ask(host, port, timeout) or "<empty answer>"
        except OSError as error:
            with lock:
                failures.append(time.monotonic() - start)
                answers["<error: %s>" % (error.strerror or error.__class__.__name__)] += 1
            return
        with lock:
            times.append(time.monotonic() - start)
            answers[answer] += 1

    threads = []
    while True:                               # at most rate x timeout of them at once
        time.sleep(max(0.0, start + len(threads) / rate - time.monotonic()))
        if window.over():
            break
        threads.append(threading.Thread(target=one))
        threads[-1].start()
    ended = window.elapsed()
    for thread in threads:
        thread.join()
    times = sorted(times) + [max(ended, time.monotonic() - start)]
    return {"sent": len(threads), "ok": len(times) - 2, "failed": len(failures),
            "ended_by": window.ended_by, "duration_s": round(ended, 3),
            "answers": dict(answers),
            "longest_gap_s": round(max(b - a for a, b in zip(times, times[1:])), 3),
            "first_failure_s": round(min(failures), 3) if failures else None,
            "last_failure_s": round(max(failures), 3) if failures else None}


def hold(target, count, duration, timeout, until=None):
    """count echo connections kept busy for duration s (or until the file `until` exists);
    how many still echo at the end."""
    host, port = split_target(target)
    conns, answers, errors = {}, collections.Counter(), collections.Counter()
    dropped = {}                                          # each lost connection: why
    # One at a time, as a client opening them over a few seconds would (lab-echo serves
    # them all in one process, listen backlog 1024).
    for _ in range(count):
        try:
            conn = socket.create_connection((host, port), timeout=timeout)
        except OSError as error:
            errors[_reason(error)] += 1
            continue
        try:
            answers[_first_line(conn)] += 1               # who answered
        except OSError as error:
            _drop({}, conn, _reason(error), errors)
            continue
        conn.setblocking(False)
        conns[conn] = b""                                 # what came back since
    opened = len(conns)
    ports = dict((conn, conn.getsockname()[1]) for conn in conns)
    opened_at = time.time()
    window = Window(duration, until)
    start = window.start
    rounds = 0
    while conns:
        rounds += 1
        last = window.over()
        wanted = b"%d\n" % rounds
        for conn in list(conns):
            try:
                conn.sendall(wanted)
            except OSError as error:
                _drop(conns, conn, _reason(error), errors, dropped)
        # A late reply (a failover under way) is not a loss: TCP retransmits it. Only the
        # last round, with the full timeout, decides.
        deadline = time.monotonic() + (timeout if last else 0.5)
        pending = set(conns)
        while pending and time.monotonic() < deadline:
            ready, _, _ = select.select(list(pending), [], [], deadline - time.monotonic())
            for conn in ready:
                try:
                    chunk = conn.recv(4096)
                except BlockingIOError:
                    continue
                except OSError as error:
                    pending.discard(conn)
                    _drop(conns, conn, _reason(error), errors, dropped)
                    continue
                if not chunk:
                    pending.discard(conn)
                    _drop(conns, conn, "closed by the server", errors, dropped)
                    continue
                conns[conn] = (conns[conn] + chunk)[-64:]
                if conns[conn].endswith(wanted):
                    pending.discard(conn)
        if last:
            for conn in pending:
                _drop(conns, conn, "no answer at the end", errors, dropped)
            break
        time.sleep(max(0.0, start + rounds - time.monotonic()))
    survived = len(conns)
    for conn in conns:
        conn.close()
    lost_ports = dict((ports[conn], why) for conn, why in dropped.items() if conn in ports)
    return {"opened": opened, "survived": survived, "lost": opened - survived,
            "answers": dict(answers), "errors": dict(errors), "rounds": rounds,
            "opened_at": round(opened_at, 3), "lost_ports": lost_ports,
            "ended_by": window.ended_by, "duration_s": round(window.elapsed(), 3)}


def _first_line(conn):
    data = b""
    while b"\n" not in data:
        chunk = conn.recv(256)
        if not chunk:
            raise ConnectionError("closed before its first line")
        data += chunk
    return data.split(b"\n", 1)[0].decode(errors="replace").strip()


def _drop(conns, conn, reason, errors, dropped=None):
    if dropped is not None:
        dropped[conn] = reason
    errors[reason] += 1
    conns.pop(conn, None)
    conn.close()


def _reason(error):
    return "<error: %s>" % (error.strerror or error.__class__.__name__)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--rate", type=float, help="requests per second (with --duration, one target)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--hold", type=int, help="connections held open to one echo target")
    parser.add_argument("--until", help="with --rate or --hold: end early once this file exists")
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args(argv)
    if args.hold:
        if len(args.targets) != 1:
            parser.error("--hold takes one target")
        print(json.dumps(hold(args.targets[0], args.hold, args.duration, args.timeout, args.until), sort_keys=True))
        return 0
    if args.rate:
        if len(args.targets) != 1:
            parser.error("--rate takes one target")
        print(json.dumps(steady(args.targets[0], args.rate, args.duration, args.timeout, args.until), sort_keys=True))
        return 0
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
