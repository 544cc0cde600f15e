"""keepalived 2.2.7's checker dump: what keepalived believes the kernel holds, read from the
dump recorded on the lab's router1 and from dumps constructed from check_data.c
(tests/unit/fixtures/keepalived/README.md); what the parser refuses; how the dump is asked
for and waited for (DumpRequest on a fake host)."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_checkers import (
    DumpError,
    DumpRequest,
    believed_table,
    parse,
)

from keepalived_fakes import FakeHost
from recorded import keepalived_dump

WEB = ("tcp", "192.0.2.10", 80)
MARK = ("fwmark", "ipv4", 80)
NAT = ("nat", None, None, None)
DR = ("dr", None, None, None)


def kernel(rows):
    """{(address, port): (method, tunnel_type, tunnel_port, checksum, weight)}"""
    return dict(((address, port), method + (weight,)) for address, port, method, weight in rows)


ALL_UP_WEB = [("198.51.100.21", 80, NAT, 3), ("198.51.100.22", 80, NAT, 2), ("198.51.100.23", 80, NAT, 1)]
ALL_UP_MARK = [("198.51.100.21", 0, NAT, 1), ("198.51.100.22", 0, NAT, 1), ("198.51.100.23", 0, NAT, 1)]

# fixture -> what keepalived believes each of its services holds in the kernel
EXPECTED = {
    # recorded: every check passes, every real server at its configured weight; a mark's
    # real servers have port 0
    "check-all-up.txt": {WEB: kernel(ALL_UP_WEB), MARK: kernel(ALL_UP_MARK)},
    # 198.51.100.22's HTTP check failed: deleted from tcp:80 (RS set = 0), still in fwmark 80
    "check-one-removed.txt": {WEB: kernel([ALL_UP_WEB[0], ALL_UP_WEB[2]]), MARK: kernel(ALL_UP_MARK)},
    # inhibit_on_failure: the failed 198.51.100.23 stays (RS set = 1) at weight 0, though WEIGHT = 1
    "check-inhibit.txt": {WEB: kernel(ALL_UP_WEB),
                          MARK: kernel(ALL_UP_MARK[:2] + [("198.51.100.23", 0, NAT, 0)])},
    # tcp:80 lost its quorum: only the sorry server, weight 1; fwmark 80's inhibited sorry
    # server sits at weight 0 while the quorum is up
    "check-sorry.txt": {WEB: kernel([("198.51.100.99", 80, NAT, 1)]),
                        MARK: kernel(ALL_UP_MARK + [("198.51.100.98", 0, NAT, 0)])},
    "check-ipv6-fwmark.txt": {
        # an IPv6 VIP: no brackets in "VS VIP" / "RIP"; the idle sorry server is not in the kernel
        ("tcp", "2001:db8:2::10", 80): kernel([("2001:db8:51::21", 80, DR, 1)]),
        ("fwmark", "ipv6", 80): kernel([("2001:db8:51::21", 0, DR, 1), ("2001:db8:51::23", 0, DR, 2)]),
        ("fwmark", "ipv4", 80): kernel([("198.51.100.21", 0, DR, 1), ("198.51.100.23", 0, DR, 2)]),
        ("fwmark", "ipv4", 21): kernel([("198.51.100.23", 0, ("tun", "ipip", None, None), 1)]),
        # NAT keeps the real server's own port
        ("udp", "192.0.2.53", 53): kernel([("198.51.100.21", 5353, NAT, 1)]),
        # the GUE line without its "default " prefix is still the service's, not a real server's
        ("tcp", "192.0.2.40", 443): kernel([("198.51.100.22", 443, ("tun", "gue", 6080, "nocsum"), 1)]),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    view = parse(keepalived_dump(name))
    assert list(view) == list(EXPECTED[name])  # the dump's order
    assert believed_table(view) == EXPECTED[name]


def test_states_of_the_fixtures():
    removed = parse(keepalived_dump("check-one-removed.txt"))[WEB].real_servers[("198.51.100.22", 80)]
    assert (removed.alive, removed.set, removed.inhibit, removed.weight) == (False, False, False, 2)
    inhibited = parse(keepalived_dump("check-inhibit.txt"))[MARK].real_servers[("198.51.100.23", 0)]
    assert (inhibited.alive, inhibited.set, inhibited.inhibit, inhibited.weight) == (False, True, True, 1)
    sorry = parse(keepalived_dump("check-sorry.txt"))
    assert sorry[WEB].sorry_active and not sorry[WEB].quorum_up and not sorry[WEB].sorry.inhibit
    assert not sorry[MARK].sorry_active and sorry[MARK].sorry.inhibit
    assert sorry[WEB].name == "tcp 192.0.2.10:80"
    ipv6 = parse(keepalived_dump("check-ipv6-fwmark.txt"))
    assert ipv6[("tcp", "2001:db8:2::10", 80)].sorry.key == ("2001:db8:51::99", 80)
    assert ipv6[("fwmark", "ipv6", 80)].family == "ipv6"


def _edit(text, old, new, count=1):
    assert text.count(old) >= count, old
    return text.replace(old, new, count)


ALL_UP = keepalived_dump("check-all-up.txt")
SORRY = keepalived_dump("check-sorry.txt")
INHIBIT_ALIVE = _edit(keepalived_dump("check-inhibit.txt"), "   alive = 1\n   quorum_state_up = 1\n",
                      "   sorry server = [198.51.100.98]:none:0\n     forwarding method = NAT\n"
                      "     Inhibit on failure is OFF\n   alive = 1\n   quorum_state_up = 0\n", 2)


def test_sorry_server_active_zeroes_inhibited_alive_real_servers():
    """perform_quorum_state(false): while the sorry server serves, an alive inhibited real
    server was edited to weight 0 (not deleted)."""
    view = parse(_edit(INHIBIT_ALIVE, "   sorry server = [198.51.100.98]:none:0",
                       "   sorry server = [198.51.100.99]:tcp:80"))
    mark = believed_table(view)[MARK]
    assert mark[("198.51.100.21", 0)][-1] == 0 and mark[("198.51.100.22", 0)][-1] == 0
    assert mark[("198.51.100.98", 0)][-1] == 1


def test_sorry_server_with_inhibit_serving():
    text = _edit(SORRY, "     Inhibit on failure is OFF\n   alive = 1\n   quorum_state_up = 0",
                 "     Inhibit on failure is ON\n   alive = 1\n   quorum_state_up = 0")
    assert believed_table(parse(text))[WEB] == kernel([("198.51.100.99", 80, NAT, 1)])


REFUSED = [
    # (what, edit of the recorded dump, words of the message)
    ("another program's file", lambda t: "hello\n" + t, "does not start with its global definitions"),
    ("an unknown section", lambda t: t + "------< Something new >------\n", "unknown section"),
    ("an unknown line in a virtual server", lambda t: _edit(t, "   lvs_sched = wrr\n", "   lvs_sched = wrr\n   new knob = 1\n"),
     "line 85"),
    ("an unknown line in a real server", lambda t: _edit(t, "   Alpha is OFF\n", "   Alpha is OFF\n   Beta is ON\n"),
     "a real server line this module does not know"),
    ("a virtual server group", lambda t: _edit(t, " ------< Virtual server >------\n VS VIP",
                                               " ------< Virtual server group >------\n ------< Virtual server >------\n VS VIP"),
     "virtual_server_group is not supported"),
    ("a group's virtual server", lambda t: _edit(t, " VS VIP = 192.0.2.10, VPORT = 80", " VS GROUP = [web]:80"),
     "virtual_server_group is not supported"),
    ("a truncated real server", lambda t: t[:t.index("   RS set = 1", t.index("198.51.100.23, RPORT = 0"))],
     "no RS set (a truncated or unknown format)"),
    ("a virtual server cut after its first line", lambda t: t[:t.index("   Address family", t.index("VS FWMARK"))],
     "no ip_family, protocol, method, inhibit, alive, quorum_state_up"),
    ("an unknown forwarding method", lambda t: _edit(t, "   forwarding method = NAT", "   forwarding method =  0x7"),
     "unknown forwarding method"),
    ("a sorry server that duplicates a real server",
     lambda t: _edit(SORRY, "sorry server = [198.51.100.99]", "sorry server (duplicates rs) = [198.51.100.21]"),
     "also one of the real servers"),
    ("an unknown address family", lambda t: _edit(t, "Address family = inet\n", "Address family = IPv4 & IPv6\n"),
     "only inet and inet6"),
    ("a real server of the other family", lambda t: _edit(t, "RIP = 198.51.100.21, RPORT = 80", "RIP = 2001:db8::21, RPORT = 80"),
     "not of the service's family"),
    ("a virtual server out of the kernel", lambda t: _edit(t, "   alive = 1\n   quorum_state_up", "   alive = 0\n   quorum_state_up"),
     "out of the kernel (alive = 0)"),
    ("a service listed twice", lambda t: t.replace("VS FWMARK = 80", "VS VIP = 192.0.2.10, VPORT = 80").replace(
        "protocol = none", "protocol = TCP"), "listed twice"),
    ("tracked BFDs", lambda t: _edit(t, "   reloaded = 0\n ------< Virtual server",
                                     "   reloaded = 0\n   Tracked BFDs\n ------< Virtual server"), "not supported"),
    ("a tracked file's line outside Tracked Files",
     lambda t: _edit(t, "   reloaded = 0\n ------< Virtual server",
                     "   reloaded = 0\n     lvs_drain_198_51_100_21, weight -65535\n ------< Virtual server"),
     "does not know"),
]


def test_a_drain_markers_file_check_is_read():
    # keepalived_conf.py gives every real server a FILE_CHECK on its drain marker
    text = _edit(ALL_UP, "   reloaded = 0\n ------< Virtual server",
                 "   reloaded = 0\n   Tracked Files\n     lvs_drain_198_51_100_21, weight -65535\n"
                 " ------< Virtual server")
    assert believed_table(parse(text)) == believed_table(parse(ALL_UP))


@pytest.mark.parametrize("what, edit, words", REFUSED, ids=[case[0] for case in REFUSED])
def test_refused(what, edit, words):
    with pytest.raises(DumpError) as error:
        parse(edit(ALL_UP))
    assert words in str(error.value)


def test_refusal_names_the_line():
    with pytest.raises(DumpError) as error:
        parse(_edit(ALL_UP, "   lvs_sched = wrr\n", "   lvs_sched = wrr\n   new knob = 1\n"))
    assert str(error.value) == ("keepalived's dump, line 85 ('   new knob = 1'): a virtual server line this module "
                                "does not know (not keepalived 2.2.7's format?)")


def test_a_dump_without_virtual_servers_is_an_empty_view():
    assert parse(ALL_UP[:ALL_UP.index("------< LVS Topology >------")]) == {}


# --- DumpRequest: the signal and the wait -------------------------------------------------

def request(host, timeout=10):
    return DumpRequest(host.PID_FILE, host.DUMP, timeout, system=host)


@pytest.mark.parametrize("parts", [1, 2, 5])
def test_dump_is_taken_when_complete(parts):
    host = FakeHost([ALL_UP], parts=parts)
    started = host.clock
    assert request(host)() == ALL_UP
    assert host.signals == [4242]
    # taken once it has not changed for 100 ms after its last write
    assert host.clock - started == pytest.approx(0.05 * (parts - 1) + 0.1)


def test_an_older_dump_is_not_taken():
    host = FakeHost([SORRY])
    host.files[host.DUMP] = ALL_UP.encode()
    host.inodes[host.DUMP] = (7, host.clock - 60)
    assert request(host)() == SORRY


def test_a_new_dump_stamped_before_the_signal_is_taken():
    # the lab's guests keep whole-second mtimes: a dump written 0.7 s after a signal sent at
    # x.7 s carries x.0 - the new inode, not the time, says it is new
    host = FakeHost([ALL_UP], whole_seconds=True)
    host.clock += 0.7
    assert request(host)() == ALL_UP
    assert host.inodes[host.DUMP][1] < host.clock - 0.5


def test_no_new_dump_times_out():
    host = FakeHost([ALL_UP], writes=False)
    host.files[host.DUMP] = ALL_UP.encode()
    with pytest.raises(DumpError) as error:
        request(host, timeout=2)()
    assert "keepalived (pid 4242) wrote no complete new /tmp/keepalived_check.data within 2 s of SIGUSR1" in str(error.value)
    assert 2 <= host.clock - 1700000000.0 < 2.2


@pytest.mark.parametrize("host, words", [
    (FakeHost([ALL_UP], pid=None), "keepalived is not running: cannot read its pid file /run/keepalived.pid"),
    (FakeHost([ALL_UP], program=b"/usr/bin/sleep"), "the process 4242 of /run/keepalived.pid is 'sleep', not keepalived"),
], ids=["no pid file", "another program"])
def test_keepalived_not_running(host, words):
    with pytest.raises(DumpError) as error:
        request(host)()
    assert words in str(error.value)
    assert host.signals == []  # never signals what is not keepalived


def test_stale_pid_file():
    host = FakeHost([ALL_UP])
    del host.files["/proc/4242/cmdline"]
    with pytest.raises(DumpError) as error:
        request(host)()
    assert "the process 4242 of /run/keepalived.pid does not exist (a stale pid file)" in str(error.value)
    assert host.signals == []
