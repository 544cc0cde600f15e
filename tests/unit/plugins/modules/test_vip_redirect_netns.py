"""vip_redirect against the real kernel, for each back end, in network namespaces of the
test's own (the host's rules are never touched): the module, through its entry point, runs
its commands in the namespace. It applies (check mode predicting the commands exactly), a
client in a second namespace reaches a server through the VIPs (IPv4 and IPv6), a second run
changes nothing, hand edits (a rule of another shape, an extra jump, a jump no longer first;
then a VIP's rule deleted and another added) are healed, and removal leaves nothing of the collection's while another tool's rules
stay.

Runs as root with `ip netns` (CI's `make units` does); skipped otherwise, saying why. The
namespaces are deleted whatever happens (and everything in them goes with them)."""

import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import redirect_rules as rr
from ansible_collections.lvs.cluster.plugins.modules import vip_redirect

from module_harness import run_module

V4 = "192.0.2.10"
V4B = "192.0.2.20"
V6 = "2001:db8:2::10"
V6B = "2001:db8:2::20"
PORT = 8080
C_LOCALE = dict(os.environ, LC_ALL="C", LANG="C")
ANOTHER_TOOL = ["-p", "tcp", "--dport", "9090", "-m", "comment", "--comment", "another tool",
                "-j", "REDIRECT", "--to-ports", "80"]
SERVER = """
import socket
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", %d))
s.listen(8)
while True:
    c, _peer = s.accept()
    c.sendall(("%%s\\n" %% c.getsockname()[0]).encode())
    c.close()
""" % PORT
CLIENT = """
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], %d), timeout=float(sys.argv[2]))
except OSError as error:
    print("refused: %%s" %% error)
else:
    print(c.getpeername()[0], c.recv(64).decode().strip())
""" % PORT


def _why_not():
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux's"
    if os.geteuid() != 0:
        return "needs root: it creates network namespaces and sets nftables/iptables rules in them"
    if shutil.which("ip") is None:
        return "needs the ip command (iproute2) for ip netns"
    return None


def _run(argv, data=None, check=True):
    done = subprocess.run(argv, input=data, capture_output=True, text=True, env=C_LOCALE, timeout=30, check=False)
    if check and done.returncode != 0:
        raise AssertionError("%s failed (rc=%d): %s" % (" ".join(argv), done.returncode, done.stderr.strip()))
    return done


class NetnsRunner:
    """The module's commands run in the namespace: the program by its name on this host's
    PATH (the harness hands the module /usr/sbin/NAME), an argument list, the C locale."""

    def __init__(self, ns):
        self.ns = ns
        self.calls = []

    def run_command(self, args, data=None, **_kwargs):
        program = shutil.which(os.path.basename(args[0])) or args[0]
        self.calls.append((" ".join([os.path.basename(args[0])] + list(args[1:])), data))
        done = _run(["ip", "netns", "exec", self.ns, program] + list(args[1:]), data=data, check=False)
        return done.returncode, done.stdout, done.stderr


class Lab:
    """A server namespace (where the module runs) and a client namespace on one veth link;
    the client routes the VIPs to the server."""

    def __init__(self, server, client):
        self.server, self.client = server, client
        self.listener = None

    def up(self):
        tag = self.server[-6:]
        _run(["ip", "link", "add", "lvsr-s" + tag, "netns", self.server, "type", "veth",
              "peer", "name", "lvsr-c" + tag, "netns", self.client])
        for ns, dev, v4, v6 in ((self.server, "lvsr-s" + tag, "10.0.0.2/24", "fd00::2/64"),
                                (self.client, "lvsr-c" + tag, "10.0.0.1/24", "fd00::1/64")):
            _run(["ip", "-n", ns, "link", "set", "lo", "up"])
            _run(["ip", "-n", ns, "addr", "add", v4, "dev", dev])
            _run(["ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad"])
            _run(["ip", "-n", ns, "link", "set", dev, "up"])
        for vip, gateway in ((V4, "10.0.0.2"), (V4B, "10.0.0.2"), (V6, "fd00::2"), (V6B, "fd00::2")):
            _run(["ip", "-n", self.client, "route", "add", vip, "via", gateway])

    def serve(self):
        self.listener = subprocess.Popen(["ip", "netns", "exec", self.server, sys.executable, "-c", SERVER],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def connect(self, vip, timeout=2.0):
        """'PEER LOCAL': the address the client talked to and the one the server answered on;
        'refused: ...' when no connection was made."""
        for _attempt in range(20):   # the listener may still be starting
            answer = _run(["ip", "netns", "exec", self.client, sys.executable, "-c", CLIENT, vip, str(timeout)]
                          ).stdout.strip()
            if "Connection refused" not in answer:
                return answer
            time.sleep(0.05)
        return answer

    def in_server(self, *argv, **kwargs):
        return _run(["ip", "netns", "exec", self.server] + list(argv), **kwargs)

    def stop(self):
        if self.listener is not None:
            self.listener.kill()
            self.listener.wait()


@pytest.fixture
def lab():
    why = _why_not()
    if why:
        pytest.skip(why)
    name = "lvsredir-test-%s" % uuid.uuid4().hex[:6]
    made = []
    try:
        for ns in (name, name + "-c"):
            added = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True, check=False)
            if added.returncode != 0:
                pytest.skip("ip netns add failed, no network namespaces here: %s" % added.stderr.strip())
            made.append(ns)
        lab = Lab(name, name + "-c")
        try:
            lab.up()
            lab.serve()
            yield lab
        finally:
            lab.stop()
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def apply(lab, args, expect_change):
    """Check mode, then the real run: the prediction is exactly what ran."""
    predicted = run_module(vip_redirect, args, NetnsRunner(lab.server), check_mode=True)
    done = run_module(vip_redirect, args, NetnsRunner(lab.server))
    assert not predicted["failed"] and not done["failed"], done.get("msg") or predicted.get("msg")
    assert predicted["commands"] == done["commands"]
    assert predicted["changed"] is done["changed"] is expect_change
    if not expect_change:
        assert done["commands"] == []
    return done


def tool_for(backend, family):
    return {"ipv4": "iptables", "ipv6": "ip6tables"}[family] + backend[len("iptables"):]


def saved(lab, backend, family):
    return lab.in_server(tool_for(backend, family) + "-save", "-t", "nat").stdout


def others(text):
    """The nat table's rules that are not the collection's."""
    return [line for line in text.splitlines() if line.startswith("-A ") and rr.IPT_CHAIN not in line]


def state_of(lab, backend):
    if backend == "nftables":
        listing = lab.in_server("nft", "-j", "list", "table", "inet", rr.NFT_TABLE, check=False)
        return rr.parse_nft_json(listing.stdout if listing.returncode == 0 else "")
    return rr.merge_families(dict((family, rr.parse_iptables_save(saved(lab, backend, family), family))
                                  for family in ("ipv4", "ipv6")))


def add_another_tool(lab, backend):
    if backend == "nftables":
        lab.in_server("nft", "-f", "-", data="table ip another_tool {\n\tchain prerouting {\n"
                      "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
                      "\t\ttcp dport 9090 redirect to :80\n\t}\n}\n")
        return lab.in_server("nft", "list", "table", "ip", "another_tool").stdout
    for family in ("ipv4", "ipv6"):
        lab.in_server(tool_for(backend, family), "-t", "nat", "-A", "PREROUTING", *ANOTHER_TOOL)
    return [others(saved(lab, backend, family)) for family in ("ipv4", "ipv6")]


def another_tool_now(lab, backend):
    if backend == "nftables":
        return lab.in_server("nft", "list", "table", "ip", "another_tool").stdout
    return [others(saved(lab, backend, family)) for family in ("ipv4", "ipv6")]


def edit_shapes(lab, backend):
    """Drift that leaves every VIP redirected: a rule of another shape added by hand; for
    iptables also a jump of another shape put first and a second jump (IPv4), and the jump
    moved after another tool's rule (IPv6)."""
    if backend == "nftables":
        lab.in_server("nft", "add", "rule", "inet", rr.NFT_TABLE, "prerouting", "ip", "daddr", "192.0.2.30",
                      "tcp", "dport", "80", "redirect", "to", ":8080")
        return
    v4, v6 = tool_for(backend, "ipv4"), tool_for(backend, "ipv6")
    lab.in_server(v6, "-t", "nat", "-A", rr.IPT_CHAIN, "-d", V6, "-p", "tcp", "-j", "REDIRECT", "--to-ports", "8080")
    lab.in_server(v4, "-t", "nat", "-I", "PREROUTING", "1", "-i", "lo", "-j", rr.IPT_CHAIN)
    lab.in_server(v4, "-t", "nat", "-A", "PREROUTING", "-j", rr.IPT_CHAIN)
    lab.in_server(v6, "-t", "nat", "-D", "PREROUTING", "-j", rr.IPT_CHAIN)
    lab.in_server(v6, "-t", "nat", "-A", "PREROUTING", "-j", rr.IPT_CHAIN)


def edit_vips(lab, backend):
    """Drift of the VIPs: V4's rule deleted, one for 192.0.2.99 added by hand in the
    canonical shape (a VIP's rule like any other: purge removes it)."""
    if backend == "nftables":
        listing = lab.in_server("nft", "-j", "list", "table", "inet", rr.NFT_TABLE).stdout
        handle = [item["rule"]["handle"] for item in json.loads(listing)["nftables"]
                  if "rule" in item and item["rule"]["expr"][0]["match"]["right"] == V4][0]
        lab.in_server("nft", "delete", "rule", "inet", rr.NFT_TABLE, "prerouting", "handle", str(handle))
        lab.in_server("nft", "add", "rule", "inet", rr.NFT_TABLE, "prerouting", "ip", "daddr", "192.0.2.99",
                      "counter", "redirect")
        return
    v4 = tool_for(backend, "ipv4")
    lab.in_server(v4, "-t", "nat", "-D", rr.IPT_CHAIN, "-d", V4 + "/32", "-j", "REDIRECT")
    lab.in_server(v4, "-t", "nat", "-A", rr.IPT_CHAIN, "-d", "192.0.2.99", "-j", "REDIRECT")


def assert_canonical(lab, backend, vips):
    state = state_of(lab, backend)
    assert state.present and state.vips == vips and state.stale == []
    if backend != "nftables":
        for family in ("ipv4", "ipv6"):
            assert state.families[family].jumps == [1], saved(lab, backend, family)


@pytest.mark.parametrize("backend", ["nftables", "iptables-legacy", "iptables-nft"])
def test_the_redirect_in_a_real_kernel(lab, backend):
    tools = ["nft"] if backend == "nftables" else [
        tool_for(backend, family) + suffix for family in ("ipv4", "ipv6") for suffix in ("", "-save", "-restore")]
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip("backend %s needs %s, not installed here" % (backend, ", ".join(missing)))
    another = add_another_tool(lab, backend)
    # purge, as the role calls it: a rule added by hand in the canonical shape is a VIP's
    # like any other (kept without purge)
    args = {"vips": [V4, V6, V4B], "backend": backend, "purge": True}

    apply(lab, args, expect_change=True)
    assert_canonical(lab, backend, [V4, V4B, V6])
    # the client talks to the VIP; the server answers on its own address of that link
    assert lab.connect(V4) == "%s ::ffff:10.0.0.2" % V4
    assert lab.connect(V6) == "%s fd00::2" % V6
    apply(lab, args, expect_change=False)

    edit_shapes(lab, backend)
    healed = apply(lab, args, expect_change=True)
    assert healed["before"]["vips"] == [V4, V4B, V6]
    stale = healed["before"]["stale"]
    if backend == "nftables":
        assert len(stale) == 1 and '"port": 8080' in stale[0]["rule"]
    else:
        assert stale == [
            {"family": "ipv4", "chain": "PREROUTING", "rule": "-i lo -j LVS_CLUSTER_REDIRECT"},
            {"family": "ipv4", "chain": "PREROUTING", "number": 2, "rule": "-j LVS_CLUSTER_REDIRECT"},
            {"family": "ipv4", "chain": "PREROUTING", "number": 4, "rule": "-j LVS_CLUSTER_REDIRECT"},
            {"family": "ipv6", "chain": rr.IPT_CHAIN, "rule": "-d 2001:db8:2::10/128 -p tcp -j REDIRECT --to-ports 8080"},
            {"family": "ipv6", "chain": "PREROUTING", "number": 2, "rule": "-j LVS_CLUSTER_REDIRECT"}]
    assert_canonical(lab, backend, [V4, V4B, V6])
    apply(lab, args, expect_change=False)

    edit_vips(lab, backend)
    assert lab.connect(V4, timeout=0.3).startswith("refused")
    healed = apply(lab, args, expect_change=True)
    assert healed["before"] == {"vips": [V4B, "192.0.2.99", V6], "stale": []}
    assert_canonical(lab, backend, [V4, V4B, V6])
    assert lab.connect(V4) == "%s ::ffff:10.0.0.2" % V4
    apply(lab, args, expect_change=False)

    # change: purge drops .20, adds the second IPv6 VIP
    apply(lab, {"vips": [V4, V6, V6B], "backend": backend, "purge": True}, expect_change=True)
    assert_canonical(lab, backend, [V4, V6, V6B])
    assert lab.connect(V6B) == "%s fd00::2" % V6B

    removed = apply(lab, {"state": "absent", "backend": backend}, expect_change=True)
    assert removed["vips"] == []
    state = state_of(lab, backend)
    assert not state.present and state.vips == [] and state.stale == []
    if backend != "nftables":
        for family in ("ipv4", "ipv6"):
            assert rr.IPT_CHAIN not in saved(lab, backend, family)
    assert another_tool_now(lab, backend) == another
    assert lab.connect(V4, timeout=0.3).startswith("refused")
    apply(lab, {"state": "absent", "backend": backend}, expect_change=False)
