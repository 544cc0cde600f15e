"""ARP probes that the tests run inside a real-server container.

Not a test module: test_direct_routing.py sends this file's text to
`python3 -c` in a container (stdlib only, needs CAP_NET_RAW). It prints one
JSON list and exits 0; the assertions are made by the tests.

who-has IFACE SENDER_IP TARGET_IP
    Broadcast one ARP request "who has TARGET_IP, tell SENDER_IP" out of
    IFACE and list the MAC addresses that answer within a second.

request-sender IFACE PEER_IP SOURCE_IP
    Forget the neighbour entry for PEER_IP, start a TCP connection to
    PEER_IP:80 from SOURCE_IP (which makes the kernel ARP for PEER_IP), and
    list the sender protocol addresses of the ARP requests for PEER_IP that
    this host sends out of IFACE within a second.
"""

import json
import select
import socket
import struct
import subprocess
import sys
import time

ETH_P_ALL, ETH_P_ARP = 0x0003, 0x0806
PACKET_OUTGOING = 4
ARP_REQUEST, ARP_REPLY = 1, 2
WAIT_SECONDS = 1.0


def arp_socket(iface):
    # ETH_P_ALL: a socket for one protocol never sees outgoing frames.
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, ETH_P_ALL))
    return sock


def frames(sock, seconds):
    """Yield (pkttype, op, sha, spa, tpa) for each ARP frame seen in time."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([sock], [], [], left)[0]:
            break
        data, address = sock.recvfrom(65535)
        if len(data) < 42 or data[12:14] != struct.pack("!H", ETH_P_ARP):
            continue
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", data[14:22])
        if (htype, ptype, hlen, plen) != (1, 0x0800, 6, 4):
            continue
        yield (
            address[2],
            op,
            data[22:28].hex(":"),
            socket.inet_ntoa(data[28:32]),
            socket.inet_ntoa(data[38:42]),
        )


def who_has(iface, sender_ip, target_ip):
    sock = arp_socket(iface)
    with open(f"/sys/class/net/{iface}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, ARP_REQUEST)
    arp += mac + socket.inet_aton(sender_ip) + b"\0" * 6 + socket.inet_aton(target_ip)
    sock.send(b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) + arp)
    return sorted(
        {
            sha
            for pkttype, op, sha, spa, tpa in frames(sock, WAIT_SECONDS)
            if pkttype != PACKET_OUTGOING and op == ARP_REPLY and spa == target_ip
        }
    )


def request_sender(iface, peer_ip, source_ip):
    sock = arp_socket(iface)
    subprocess.run(["ip", "neigh", "flush", "to", peer_ip, "dev", iface], check=True)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setblocking(False)
    tcp.bind((source_ip, 0))
    tcp.connect_ex((peer_ip, 80))
    try:
        for pkttype, op, _sha, spa, tpa in frames(sock, WAIT_SECONDS):
            if pkttype == PACKET_OUTGOING and op == ARP_REQUEST and tpa == peer_ip:
                return [spa]
        return []
    finally:
        tcp.close()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    probe = {"who-has": who_has, "request-sender": request_sender}[command]
    print(json.dumps(probe(*args)))
