"""The announcement frames, byte by byte against RFC 826/5227 (ARP) and RFC 4861 (NA)."""

from ansible_collections.lvs.cluster.plugins.module_utils import neighbour_announce as na

MAC = bytes.fromhex("024c56000102")


def test_gratuitous_arp_is_a_broadcast_request_naming_the_address_as_sender_and_target():
    frame = na.garp_frame(MAC, "198.51.100.1")
    assert len(frame) == 42
    assert frame[0:6] == b"\xff" * 6 and frame[6:12] == MAC and frame[12:14] == b"\x08\x06"
    arp = frame[14:]
    assert arp[0:8] == bytes.fromhex("0001 0800 06 04 0001")   # Ethernet/IPv4, request
    assert arp[8:14] == MAC and arp[14:18] == bytes([198, 51, 100, 1])   # sender: us, the address
    assert arp[18:24] == b"\x00" * 6 and arp[24:28] == bytes([198, 51, 100, 1])   # target: the address


def test_unsolicited_na_overrides_and_carries_the_target_link_layer_address():
    body = na.unsolicited_na(MAC, "2001:db8:2::10")
    assert len(body) == 32
    assert body[0] == 136 and body[1] == 0                  # neighbour advertisement, code 0
    assert body[4:8] == bytes.fromhex("20000000")           # Override, not Solicited, not Router
    assert body[8:24] == bytes.fromhex("20010db8000200000000000000000010")
    assert body[24:26] == b"\x02\x01" and body[26:32] == MAC   # option 2 (target LLA), 8 bytes
