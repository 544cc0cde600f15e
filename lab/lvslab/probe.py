"""Run inside the lab's client namespace: N fresh TCP connections to each target, and who
answered each (the lab's real servers answer with their host name: lighttpd on port 80,
the echo services on 7 and 443).

    python3 probe.py [-n N] [--timeout S] HOST:PORT ...   (IPv6: [ADDR]:PORT)
    python3 probe.py --rate R --duration S [--timeout S] HOST:PORT

Prints one JSON object: {target: {answer: count}}, failures counted under "<error: ...>".
With --rate: one target, a new request every 1/R s for S s (a failed request does not
delay the next beyond its timeout), and {"sent", "ok", "failed", "answers", "longest_gap_s",
"first_failure_s", "last_failure_s"}: longest_gap_s is the longest time without a
successful answer, from the start to the end (a failover's client-visible gap).
A new connection per request, so IPVS schedules every one (no keep-alive reuse).
Standard library only: it runs with the host's python3 in a namespace, not in the venv.
"""

import argparse
import collections
import json
import socket
import time


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


def steady(target, rate, duration, timeout):
    """Requests at a steady rate for duration seconds; successes' times and the gaps between."""
    host, port = split_target(target)
    start = time.monotonic()
    answers, failures, times = collections.Counter(), [], [0.0]
    sent = 0
    while True:
        due = start + sent / rate
        now = time.monotonic()
        if due - start >= duration:
            break
        if due > now:
            time.sleep(due - now)
        sent += 1
        try:
            answer = ask(host, port, timeout) or "<empty answer>"
            times.append(time.monotonic() - start)
            answers[answer] += 1
        except OSError as error:
            failures.append(time.monotonic() - start)
            answers["<error: %s>" % (error.strerror or error.__class__.__name__)] += 1
        if time.monotonic() - start > sent / rate + 1:
            sent = int((time.monotonic() - start) * rate)   # behind by more than 1 s: skip ahead
    times.append(max(duration, time.monotonic() - start))
    return {"sent": sum(answers.values()), "ok": len(times) - 2, "failed": len(failures),
            "answers": dict(answers),
            "longest_gap_s": round(max(b - a for a, b in zip(times, times[1:])), 3),
            "first_failure_s": round(failures[0], 3) if failures else None,
            "last_failure_s": round(failures[-1], 3) if failures else None}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--rate", type=float, help="requests per second (with --duration, one target)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("targets", nargs="+")
    args = parser.parse_args(argv)
    if args.rate:
        if len(args.targets) != 1:
            parser.error("--rate takes one target")
        print(json.dumps(steady(args.targets[0], args.rate, args.duration, args.timeout), sort_keys=True))
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
