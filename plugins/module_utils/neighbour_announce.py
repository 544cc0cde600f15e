# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tell a segment that an address now lives here: a gratuitous ARP (IPv4) or an unsolicited
neighbour advertisement (IPv6), as keepalived sends when it takes a VIP over.

Used by ip_address (option announce) when it adds a router's VIP or NAT address: when the
address was on another host before (a router replaced, a cluster moved), the clients' and
real servers' neighbour entries still name that host's MAC, and a stale entry is trusted for
seconds (DELAY, then unicast probes to the old MAC) before it is asked again; traffic to the
address is lost meanwhile. Standard library only (no arping on a minimal host): the frames
are built here (pure, unit-tested) and sent through raw sockets (root only, as the module is).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct

ETH_P_ARP = 0x0806
_BROADCAST = b"\xff" * 6
_ALL_NODES = "ff02::1"
COUNT = 2   # frames per address: one lost frame must not leave the segment uninformed


def garp_frame(mac, address):
    """An Ethernet frame holding a gratuitous ARP request for the IPv4 `address` from `mac`
    (sender and target address both the announced one, target MAC zero: RFC 5227's ARP
    announcement, which updates an existing neighbour entry on Linux and most hosts)."""
    ip = socket.inet_aton(address)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip + b"\x00" * 6 + ip
    return _BROADCAST + mac + struct.pack("!H", ETH_P_ARP) + arp


def unsolicited_na(mac, address):
    """The ICMPv6 body of an unsolicited neighbour advertisement for the IPv6 `address`:
    Override set, Solicited clear, the target link-layer address option carrying `mac`. The
    kernel fills in the checksum (a raw ICMPv6 socket always does)."""
    flags = 0x20000000   # O: replace the cached MAC
    return (struct.pack("!BBHI", 136, 0, 0, flags) + socket.inet_pton(socket.AF_INET6, address)
            + struct.pack("!BB", 2, 1) + mac)


def _mac(interface):
    """The interface's hardware address, as bytes."""
    with open("/sys/class/net/%s/address" % interface) as handle:
        return bytes.fromhex(handle.read().strip().replace(":", ""))


def announce(interface, address, family):
    """Send the announcement of `address` (an address now on `interface`) COUNT times."""
    mac = _mac(interface)
    if family == "ipv4":
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as sock:
            sock.bind((interface, ETH_P_ARP))
            for _attempt in range(COUNT):
                sock.send(garp_frame(mac, address))
        return
    index = socket.if_nametoindex(interface)
    with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as sock:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)   # RFC 4861: 255
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
        sock.bind((address, 0, 0, index))
        for _attempt in range(COUNT):
            sock.sendto(unsolicited_na(mac, address), (_ALL_NODES, 0, 0, index))
