"""What the real servers do on the shared network, probed from each of them."""

import pytest
from conftest import REAL_SERVERS, VIP

testinfra_hosts = REAL_SERVERS


def test_peers_answer_http_with_their_own_names(me, peers):
    for peer in peers:
        body = me.host.check_output("curl -sS --max-time 5 http://%s/", peer.address)
        assert body == peer.name, f"{me.name} -> {peer!r}"


def test_peers_answer_arp_for_their_own_addresses(me, peers):
    # The probe works: it sees the replies an ordinary address gets.
    for peer in peers:
        assert me.arp_probe("who-has", me.iface, me.address, peer.address) == [peer.mac]


def test_nobody_answers_arp_for_the_vip(me):
    # Every peer has the VIP on lo; with arp_ignore=0 each would answer.
    assert me.arp_probe("who-has", me.iface, me.address, VIP) == []


def test_arp_requests_do_not_come_from_the_vip(me, peers):
    # A reply to a client leaves with the VIP as source; the ARP request it
    # needs must still name the interface's own address.
    peer = peers[0]
    assert me.arp_probe("request-sender", me.iface, peer.address, VIP) == [me.address]


@pytest.fixture()
def set_sysctl():
    """Change a sysctl on a server until the end of the test."""
    changed = []

    def set_until_teardown(server, name, value):
        changed.append((server, name, server.host.sysctl(name)))
        server.sysctl(name, value)

    yield set_until_teardown
    for server, name, value in reversed(changed):
        server.sysctl(name, value)


def test_probes_see_arp_flux_without_the_sysctls(me, peers, set_sysctl):
    # The two tests above can fail: undo a setting and its probe sees it.
    peer = peers[0]
    set_sysctl(peer, "net.ipv4.conf.all.arp_ignore", 0)
    assert me.arp_probe("who-has", me.iface, me.address, VIP) == [peer.mac]
    set_sysctl(me, "net.ipv4.conf.all.arp_announce", 0)
    assert me.arp_probe("request-sender", me.iface, peer.address, VIP) == [VIP]
