"""nat_masquerade's pure logic on the listings recorded from this host's nftables 1.0.6
(tests/unit/fixtures/nat_masquerade/record.sh, in a network namespace of its own): what
counts as the collection's table and what does not, the JSON shapes of other nftables
versions, the one script for both families, and the text the router's boot file shares."""

import copy
import ipaddress
import json

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import nat_masquerade as nat, router_nftables
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

from recorded import nat_listing

V4 = nat.Masquerade("ipv4", ipaddress.ip_network("198.51.100.0/24"), "vec0")
V6 = nat.Masquerade("ipv6", ipaddress.ip_network("2001:db8:100::/64"), "vec0")
HEAD = "table ip lvs_cluster_nat\ndelete table ip lvs_cluster_nat\n"
HEAD6 = "table ip6 lvs_cluster_nat\ndelete table ip6 lvs_cluster_nat\n"


def state(ip="", ip6=""):
    return nat.parse_nft_json({"ip": ip, "ip6": ip6})


def test_the_canonical_tables_are_read_as_the_options_that_wrote_them():
    assert nat.validate("198.51.100.0/24", "vec0") == [V4]
    assert nat.validate("2001:db8:100::/64", "vec0") == [V6]
    found = state(nat_listing("ip canonical"), nat_listing("ip6 canonical"))
    assert found.present == {"ip", "ip6"} and found.stale == []
    assert found.rules == [V4, V6]
    assert not nat.nft_needs_change(state(nat_listing("ip canonical")), [V4])
    assert not nat.nft_needs_change(state(ip6=nat_listing("ip6 canonical")), [V6])


def test_a_single_address_lists_without_its_prefix_and_is_still_the_same():
    listing = nat_listing("ip single address")
    assert '"right": "198.51.100.7"' in listing          # no {"prefix": ...} for a /32
    assert state(listing).rules == nat.validate("198.51.100.7/32", "vec0")
    assert not nat.nft_needs_change(state(listing), nat.validate("198.51.100.7/32", "vec0"))


@pytest.mark.parametrize("title", ["ip counter", "ip other comments"])
def test_what_1_0_6_lists_as_ours_is_ours(title):
    """A counter changes nothing of what is masqueraded (the fwmark table tolerates one too);
    1.0.6 lists neither table nor chain comment, so another comment cannot be seen."""
    found = state(nat_listing(title))
    assert found.rules == [V4] and found.stale == []
    assert not nat.nft_needs_change(found, [V4])


@pytest.mark.parametrize("title, what", [
    ("ip rule added", '"addr": "203.0.113.0"'),
    ("ip rule commented", '"addr": "198.51.100.0"'),
    ("ip masquerade random", '"flags": ["random", "persistent"]'),
    ("ip masquerade ports", '"port": {"range": [1024, 2048]}'),
    ("ip priority", 'chain postrouting {"hook": "postrouting", "policy": "accept", "prio": 110, "type": "nat"}'),
    ("ip other chain", 'chain extra {}'),
    ("ip set", "set hosts"),
    ("ip dormant", 'table flags "lvs_cluster_nat"'),     # 1.0.6's wrong string for [dormant]
])
def test_anything_else_in_the_table_is_stale_and_replaced(title, what):
    found = state(nat_listing(title))
    assert found.present == {"ip"}
    assert found.stale and {item["family"] for item in found.stale} == {"ip"}
    assert any(what in item["rule"] for item in found.stale), found.stale
    assert nat.nft_needs_change(found, [V4])
    assert nat.nft_script(found, [V4]) == HEAD + nat.render_nft_table("ip", [V4])
    # and the diff shows it
    assert "# stale in ip " in nat.render_nft_current(found)


def test_stale_entries_name_the_chain_and_handle():
    found = state(nat_listing("ip rule added"))
    assert found.rules == [V4]
    assert found.stale[0]["chain"] == "postrouting" and found.stale[0]["handle"] == 3
    assert state(nat_listing("ip set")).stale[0]["chain"] == "*"


# ---- JSON as other nftables versions print it: what matters compares equal, what differs not

def _items(listing):
    return json.loads(listing)["nftables"]


def _listing(items):
    return json.dumps({"nftables": items})


def newer(listing, table=None, chain=None, masquerade=None):
    """The recorded 1.0.6 listing as a later nftables prints it (its json.c: table "flags"
    as a list and only when set, table and chain "comment" when set, a nat statement's
    options as an object or null), with other handles, and each object's keys in another
    order."""
    items = copy.deepcopy(_items(listing))
    items[0]["metainfo"].update(version="1.1.1", release_name="Commodore Bullmoose #2")
    for item in items[1:]:
        (kind, value), = item.items()
        value["handle"] = value.get("handle", 0) + 40
        if kind == "table":
            value["comment"] = nat.NFT_COMMENT
            value.update(table or {})
        elif kind == "chain":
            value.update(chain or {})
        elif kind == "rule" and masquerade is not None:
            value["expr"][-1] = {"masquerade": masquerade}
        item[kind] = dict(reversed(list(value.items())))
    return _listing(items)


@pytest.mark.parametrize("changes", [
    {},
    {"masquerade": {}},
    {"masquerade": {"family": "ip"}},
    {"masquerade": {"flags": []}},
    {"table": {"flags": []}},
])
def test_a_later_version_printing_the_same_tables_compares_equal(changes):
    found = state(newer(nat_listing("ip canonical"), **changes))
    assert found.rules == [V4] and found.stale == []
    assert not nat.nft_needs_change(found, [V4])


@pytest.mark.parametrize("changes, what", [
    ({"table": {"comment": "another"}}, 'table comment "another"'),
    ({"table": {"flags": ["dormant"]}}, 'table flags ["dormant"]'),
    ({"chain": {"comment": "by hand"}}, '"comment": "by hand"'),
    ({"chain": {"policy": "drop"}}, '"policy": "drop"'),
    ({"masquerade": {"family": "ip6"}}, '"family": "ip6"'),
    ({"masquerade": {"flags": ["fully-random"]}}, "fully-random"),
])
def test_a_later_version_printing_what_1_0_6_hides_is_compared(changes, what):
    found = state(newer(nat_listing("ip canonical"), **changes))
    assert any(what in item["rule"] for item in found.stale), found.stale
    assert nat.nft_needs_change(found, [V4])


def test_an_address_spelt_otherwise_is_the_same_network():
    items = _items(nat_listing("ip6 canonical"))
    items[-1]["rule"]["expr"][0]["match"]["right"]["prefix"]["addr"] = "2001:0db8:0100:0000::"
    assert state(ip6=_listing(items)).rules == [V6]


def test_a_listing_that_is_no_json_is_a_read_error():
    with pytest.raises(Exception, match="printed what is not JSON"):
        state("table ip lvs_cluster_nat {\n")


# ---- the one script for both families

def test_nothing_found_creates_the_network_family_only():
    assert state().present == set()
    assert nat.nft_script(state(), [V4]) == HEAD + nat.render_nft_table("ip", [V4])
    assert nat.nft_script(state(), [V6]) == HEAD6 + nat.render_nft_table("ip6", [V6])


def test_another_family_replaces_one_table_and_deletes_the_other_in_one_script():
    found = state(nat_listing("ip canonical"))
    script = nat.nft_script(found, [V6])
    assert script == "delete table ip lvs_cluster_nat\n" + HEAD6 + nat.render_nft_table("ip6", [V6])


def test_removal_deletes_only_the_tables_that_exist():
    assert nat.nft_script(state(nat_listing("ip canonical")), []) == "delete table ip lvs_cluster_nat\n"
    both = state(nat_listing("ip canonical"), nat_listing("ip6 canonical"))
    assert nat.nft_script(both, []) == "delete table ip lvs_cluster_nat\ndelete table ip6 lvs_cluster_nat\n"
    assert not nat.nft_needs_change(state(), []) and nat.nft_script(state(), []) == ""


@pytest.mark.parametrize("network, interface", [("198.51.100.0/25", "vec0"), ("198.51.100.0/24", "vec1")])
def test_another_network_or_interface_replaces_the_table(network, interface):
    wanted = nat.validate(network, interface)
    found = state(nat_listing("ip canonical"))
    assert nat.nft_needs_change(found, wanted)
    assert nat.nft_script(found, wanted) == HEAD + nat.render_nft_table("ip", wanted)


def test_a_stray_table_of_the_other_family_is_deleted_even_when_ours_is_right():
    found = state(nat_listing("ip canonical"), nat_listing("ip6 canonical"))
    assert nat.nft_script(found, [V4]) == "delete table ip6 lvs_cluster_nat\n"


# ---- the options

@pytest.mark.parametrize("network, interface, message", [
    ("198.51.100.0", "vec0", "network='198.51.100.0': must be ADDRESS/PREFIX"),
    ("198.51.100/24", "vec0", "network='198.51.100/24': is not ADDRESS/PREFIX of an IPv4 or IPv6 network"),
    ("lan/24", "vec0", "network='lan/24': is not ADDRESS/PREFIX"),
    ("198.51.100.0/33", "vec0", "network='198.51.100.0/33': has a prefix length that is not 1 to 32"),
    ("2001:db8::/0", "vec0", "network='2001:db8::/0': has a prefix length that is not 1 to 128"),
    ("198.51.100.0/24", None, "interface=None: is required with network"),
    ("198.51.100.0/24", 'vec0" accept', "interface='vec0\" accept': is not an interface name"),
    ("198.51.100.0/24", "vec*", "interface='vec*': is not an interface name"),
    ("198.51.100.0/24", "a-very-long-name0", "interface='a-very-long-name0': is not an interface name"),
])
def test_bad_options_are_named(network, interface, message):
    with pytest.raises(ValidationError) as caught:
        nat.validate(network, interface)
    assert str(caught.value).startswith(message)


def test_host_bits_name_the_subnet_and_no_network_needs_no_interface():
    assert nat.validate("198.51.100.1/24", "vec0") == [V4]
    assert nat.validate("2001:db8:100::fe/64", "vec0") == [V6]
    assert nat.validate(None, None) == nat.validate("", None) == []
    assert nat.rules_as_dicts([V6]) == [{"family": "ipv6", "network": "2001:db8:100::/64", "interface": "vec0"}]


# ---- the router's boot file holds the module's tables

def test_the_boot_file_holds_the_tables_the_module_wants():
    tables = router_nftables.nat_tables(("198.51.100.254", 24, "ipv4"), "vec0")
    assert tables == nat.tables_text(nat.validate("198.51.100.254/24", "vec0"))
    assert tables["ip"] == nat.render_nft_table("ip", [V4]) and tables["ip6"] == ""
    text = router_nftables.render([], ("198.51.100.254", 24, "ipv4"), "vec0")
    assert HEAD + tables["ip"] + "table ip6 lvs_cluster_nat\ndelete table ip6 lvs_cluster_nat\n" in text
    assert router_nftables.nat_tables(None, "vec0") == nat.tables_text([]) == {"ip": "", "ip6": ""}
