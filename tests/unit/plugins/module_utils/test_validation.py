"""The validation core every module uses: one message format, one accepted form per value."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import validation as v
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError


def refused(call, *args):
    with pytest.raises(ValidationError) as error:
        call(*args)
    return str(error.value)


def test_message_format_is_option_path_value_why():
    assert refused(v.port, "services[2].destinations[0].port", 70000) == (
        "services[2].destinations[0].port=70000: must be between 0 and 65535")
    assert v.name("services[2]", "vip") == "services[2].vip" and v.name("", "vip") == "vip"


def test_address_with_family():
    assert v.address("vip", " 2001:DB8::0:1 ") == ("2001:db8::1", "ipv6")
    assert v.address("vip", "[2001:db8::1]") == ("2001:db8::1", "ipv6")
    assert v.address("vip", "192.0.2.1") == ("192.0.2.1", "ipv4")
    assert refused(v.address, "vip", "lb.example").startswith("vip='lb.example': is not an IPv4 or IPv6")
    assert refused(v.address, "vip", None) == "vip=None: an IPv4 or IPv6 address is required"
    assert refused(v.address, "vips[0]", "2001:db8::1", "ipv4") == (
        "vips[0]='2001:db8::1': is an ipv6 address; ipv4 is needed here")


def test_one_sort_key_for_addresses():
    texts = ["2001:db8::1", "192.0.2.10", "192.0.2.9", "10.0.0.1"]
    assert sorted(texts, key=v.address_sort_key) == ["10.0.0.1", "192.0.2.9", "192.0.2.10", "2001:db8::1"]


@pytest.mark.parametrize("value", [True, 1.5, "0x50", "", "8O", None])
def test_integers_are_integers(value):
    assert "must be an integer" in refused(v.integer, "weight", value, 0, 10)


def test_mark_port_range_protocol_family_state():
    assert v.mark("fwmark", "4294967295") == 4294967295
    assert refused(v.mark, "fwmark", 0) == "fwmark=0: must be between 1 and 4294967295"
    assert v.port("port", "0") == 0 and refused(v.port, "port", 0, 1).startswith("port=0:")
    assert v.port_range("ports[0]", "10000:20000") == (10000, 20000) == v.port_range("ports[0]", "10000-20000")
    assert v.port_ranges("ports", [443, "80", "81-90", "85"]) == ((80, 90), (443, 443))
    assert v.protocol("protocol", "TCP") == "tcp"
    assert refused(v.protocol, "protocol", "icmp") == "protocol='icmp': must be one of tcp, udp, sctp"
    assert v.family("family", "IPv6") == "ipv6" and v.family("family", None) is None
    assert refused(v.family, "family", 6) == "family=6: must be one of ipv4, ipv6"
    assert v.state("state", None) == "present"
