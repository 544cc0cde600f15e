"""The lab's self-test: a real IPVS virtual service, set up with plain ipvsadm on router1,
carries HTTP from the client namespace to the three real servers — once by NAT, once by
direct routing — and the router's `ipvsadm -Ln --stats --exact` shows the packets. Then
the guest kernel's own proof: it keeps every task's vector registers (lvslab.vector).

Everything the test sets up it takes down again, so it can run against a lab in use.
"""

import collections
import sys
import time

from . import topology as topo
from . import vector
from .remote import ssh
from .run import in_netns, run

VIP = "192.0.2.10"
PORT = 80
REQUESTS = 30
ROUTER = topo.guest("router1")
REAL_SERVERS = [g for g in topo.GUESTS if g.group == "lab_real_servers"]


class SelfTestFailure(AssertionError):
    pass


def expect(condition, message):
    if not condition:
        raise SelfTestFailure(message)


def on_router(command):
    return ssh(ROUTER.name, command).stdout


def on_real_servers(command_for):
    for server in REAL_SERVERS:
        ssh(server.name, command_for(server))


def rip(server):
    return server.nic("private").ipv4


def client_requests():
    """REQUESTS fresh HTTP connections from the client to the VIP; the bodies name the server."""
    served = collections.Counter()
    for _ in range(REQUESTS):
        done = run(in_netns(topo.CLIENT_NETNS, ["curl", "-sS", "-m", "5", f"http://{VIP}:{PORT}/"]),
                   check=False)
        expect(done.returncode == 0, f"curl http://{VIP}/ from the client failed: {done.stderr.strip()}")
        served[done.stdout.strip()] += 1
    return served


def parse_stats(text):
    """{real server ip: (conns, inpkts, outpkts)} from `ipvsadm -Ln --stats --exact`."""
    stats = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[0] == "->" and ":" in fields[1]:
            address = fields[1].rsplit(":", 1)[0]
            stats[address] = tuple(int(value) for value in fields[2:5])
    return stats


def settled_stats(connections, timeout=10):
    """The kernel folds per-CPU counters into the totals on a 2-second timer: wait for them."""
    deadline = time.monotonic() + timeout
    while True:
        text = on_router(f"ipvsadm -Ln --stats --exact -t {VIP}:{PORT}")
        stats = parse_stats(text)
        if sum(conns for conns, _, _ in stats.values()) >= connections or time.monotonic() > deadline:
            return text, stats
        time.sleep(0.5)


def router_setup(method):
    on_router(
        "set -e; modprobe ip_vs; sysctl -qw net.ipv4.ip_forward=1; "
        f"ip addr replace {VIP}/24 dev {ROUTER.nic_name('public')}; "
        f"ipvsadm -A -t {VIP}:{PORT} -s rr; "
        + " ".join(f"ipvsadm -a -t {VIP}:{PORT} -r {rip(s)}:{PORT} -{method} -w 1;" for s in REAL_SERVERS))


def router_teardown():
    on_router(f"ipvsadm -D -t {VIP}:{PORT} 2>/dev/null; "
              f"ip addr del {VIP}/24 dev {ROUTER.nic_name('public')} 2>/dev/null; true")


def check_service(method, proof):
    served = client_requests()
    stats_text, stats = settled_stats(REQUESTS)
    proof.append(f"--- {method}: {REQUESTS} HTTP requests from the client ({topo.client().ipv4}) "
                 f"to {VIP}:{PORT}; bodies: {dict(sorted(served.items()))}")
    proof.append(f"--- router1# ipvsadm -Ln --stats --exact -t {VIP}:{PORT}\n{stats_text.rstrip()}")
    expect(set(served) == {s.name for s in REAL_SERVERS},
           f"{method}: expected answers from every real server, got {dict(served)}")
    for server in REAL_SERVERS:
        conns, inpkts, outpkts = stats.get(rip(server), (0, 0, 0))
        expect(conns == served[server.name],
               f"{method}: {server.name} served {served[server.name]} requests but IPVS counted {conns}")
        expect(inpkts > 0, f"{method}: no packets to {server.name} in the IPVS counters")
        if method == "NAT":
            # Replies come back through the router to be un-NATed.
            expect(outpkts > 0, f"NAT: no reply packets from {server.name} through the router")
        else:
            # Direct routing: replies go straight to the client, never through the router.
            expect(outpkts == 0, f"DR: {outpkts} reply packets of {server.name} went through the router")


def nat(proof):
    gateway = ROUTER.nic("private").ipv4
    upstream = topo.gateway("private").ipv4
    try:
        router_setup("m")
        # NAT: the real servers' replies must go back through the router.
        on_real_servers(lambda s: f"ip route replace default via {gateway}")
        check_service("NAT", proof)
    finally:
        on_real_servers(lambda s: f"ip route replace default via {upstream}")
        router_teardown()


DR_SYSCTLS = "net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2"
DR_RESET = "net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0"


def direct_routing(proof):
    try:
        router_setup("g")
        # The guide's recipe: the VIP on loopback, no ARP answers or announcements for it.
        on_real_servers(lambda s: f"set -e; sysctl -qw {DR_SYSCTLS}; ip addr replace {VIP}/32 dev lo")
        check_service("DR", proof)
    finally:
        on_real_servers(lambda s: f"ip addr del {VIP}/32 dev lo 2>/dev/null; sysctl -qw {DR_RESET}")
        router_teardown()


def host_fp_line(guest):
    """What the guest's kernel found at boot of the host's FP state (the lab's patch)."""
    found = ssh(guest.name, "dmesg | grep -m1 -o 'Host FP state: .*' || true").stdout.strip()
    return found or "no 'Host FP state' line in the kernel log"


def vector_state(proof):
    status, output = vector.run_in(ROUTER.name)
    summary = vector.parse_summary(output)
    proof.append(f"--- router1# {vector.GUEST_PATH} -p 2 -t 2 -s {vector.SECONDS} "
                 f"({host_fp_line(ROUTER)})\n{output}")
    expect(summary is not None, f"vector state: no summary from the program: {output!r}")
    expect(summary["mismatches"] == 0,
           f"vector state: {summary['mismatches']} blocks of vector registers came back "
           f"changed (first: {summary['first']}): the kernel does not keep every task's state")
    workers = summary["processes"] * summary["threads"]
    expect(summary["threads_preempted"] == workers and summary["signals"] > 0,
           f"vector state: the run proved nothing (threads preempted "
           f"{summary['threads_preempted']} of {workers}, signals {summary['signals']})")
    expect(status == 0, f"vector state: exit status {status}: {output}")


def main():
    proof = []
    try:
        for test in (nat, direct_routing, vector_state):
            test(proof)
    except SelfTestFailure as failure:
        print("\n".join(proof))
        print(f"SELF-TEST FAILED: {failure}", file=sys.stderr)
        return 1
    print("\n".join(proof))
    print("self-test: IPVS carried HTTP by NAT and by direct routing; the guest kernel kept "
          "every task's vector registers: 3 passed, 0 failed")
    return 0
