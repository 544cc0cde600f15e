"""The lab's address plan must be consistent before anything boots."""

import ipaddress

import pytest

from lvslab import topology as topo

DOCUMENTATION_NETS = [ipaddress.ip_network(n) for n in
                      ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def all_nics():
    return [nic for guest in topo.GUESTS for nic in guest.nics]


def test_guest_names_indices_and_mgmt_addresses_are_unique():
    for attribute in ("name", "index", "mgmt_ip"):
        values = [getattr(g, attribute) for g in topo.GUESTS]
        assert len(values) == len(set(values)), attribute


def test_the_guide_topologies_have_their_hosts():
    groups = [g.group for g in topo.GUESTS]
    assert groups.count("lab_routers") == 2
    assert groups.count("lab_real_servers") >= 3


def test_every_guest_is_reached_on_its_first_nic_through_mgmt():
    for guest in topo.GUESTS:
        assert guest.nics[0].segment == "mgmt"
        assert guest.nic_name("mgmt") == "vec0"


def test_routers_have_public_and_private_nics_real_servers_only_private():
    for guest in topo.GUESTS:
        segments = {nic.segment for nic in guest.nics}
        if guest.group == "lab_routers":
            assert {"public", "private"} <= segments
        else:
            assert "private" in segments and "public" not in segments


def test_addresses_are_documentation_addresses_and_unique():
    addresses = [nic.ipv4 for nic in all_nics()] + [nic.ipv6 for nic in all_nics() if nic.ipv6]
    addresses += [topo.client().ipv4, topo.client().ipv6]
    addresses += [topo.gateway(s).ipv4 for s in topo.SEGMENTS]
    assert len(addresses) == len(set(addresses))
    for address in addresses:
        ip = ipaddress.ip_address(address)
        assert any(ip in net for net in DOCUMENTATION_NETS), address


def test_tap_names_fit_the_kernel_limit_and_macs_are_unique_and_local():
    # the hub's bridges too: a fixed MAC each, so a guest's reboot cannot change the gateway's
    taps, macs = [], [topo.gateway_mac(segment) for segment in topo.SEGMENTS]
    for guest in topo.GUESTS:
        for number in range(len(guest.nics)):
            taps.append(guest.tap(number))
            macs.append(guest.mac(number))
    assert all(len(tap) <= 15 for tap in taps)      # IFNAMSIZ - 1
    assert len(set(taps)) == len(taps) and len(set(macs)) == len(macs)
    # Locally administered, unicast: second bit of the first octet set, first bit clear.
    assert all(int(mac.split(":")[0], 16) & 0b11 == 0b10 for mac in macs)


def test_guest_lookup_names_the_known_guests_on_a_typo():
    assert topo.guest("router1").group == "lab_routers"
    with pytest.raises(KeyError, match="router1"):
        topo.guest("routr1")
