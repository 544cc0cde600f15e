"""The documentation the modules share stays the same where it is written twice: Ansible
cannot take a doc fragment for suboptions, so ipvs_service's destinations and
ipvs_destination's destination (and the service identity options) are compared here."""

import yaml

from ansible_collections.lvs.cluster.plugins.module_utils import ipvs_module
from ansible_collections.lvs.cluster.plugins.modules import (
    arptables_vip,
    fwmark,
    ip_address,
    ipvs_destination,
    ipvs_info,
    ipvs_keepalived,
    ipvs_service,
    nat_masquerade,
    vip_redirect,
)

IDENTITY = ("protocol", "vip", "port", "fwmark", "family")


def options(module):
    return yaml.safe_load(module.DOCUMENTATION)["options"]


def test_destination_options_are_documented_alike():
    in_service = options(ipvs_service)["destinations"]["suboptions"]
    in_destination = options(ipvs_destination)["destination"]["suboptions"]
    assert in_destination == in_service
    # and both are the argument spec both modules use
    assert set(in_service) == set(ipvs_module.destination_options())


def test_service_identity_is_documented_alike():
    service, destination = options(ipvs_service), options(ipvs_destination)
    assert dict((name, destination[name]) for name in IDENTITY) == dict((name, service[name]) for name in IDENTITY)
    assert set(options(ipvs_destination)) == set(IDENTITY) | {"destination"}
    assert set(IDENTITY) == set(ipvs_module.identity_options())


def test_list_entries_take_the_single_form_options():
    service = options(ipvs_service)
    entry = service["services"]["suboptions"]
    assert dict((name, service[name]) for name in entry) == entry
    marks = options(fwmark)
    entry = marks["marks"]["suboptions"]
    assert set(entry) == {"fwmark", "vips", "protocols", "ports"}
    for name in ("vips", "protocols", "ports"):
        assert entry[name]["type"] == marks[name]["type"] and entry[name].get("choices") == marks[name].get("choices")
    assert entry["fwmark"]["type"] == marks["fwmark"]["type"] == service["fwmark"]["type"] == "int"


def test_one_vocabulary():
    """The shared options are spelt alike everywhere: fwmark (an int), vip(s), purge, state."""
    every = [options(m) for m in (ipvs_service, ipvs_destination, arptables_vip, fwmark, vip_redirect)]
    names = set().union(*every)
    for old in ("mark", "address", "addresses", "service_address", "service_port", "purge_services",
                "purge_destinations"):
        assert old not in names
    for module in (ipvs_service, arptables_vip, fwmark, vip_redirect):
        assert options(module)["purge"]["type"] == "bool" and options(module)["purge"]["default"] is False
        assert options(module)["state"]["choices"] == ["present", "absent"]
    assert options(ipvs_service)["family"]["choices"] == ["ipv4", "ipv6"]


def test_the_rule_modules_share_their_back_ends_options():
    """vip_redirect takes arptables_vip's vips/state/purge and fwmark's back ends, documented
    as its argument spec has them."""
    mine, arp, mark = options(vip_redirect), options(arptables_vip), options(fwmark)
    assert set(mine) == {"vips", "state", "purge", "backend"}
    for name in ("vips", "state", "purge"):
        assert _spec_of({name: mine[name]}) == _spec_of({name: arp[name]})
    assert _spec_of({"backend": mine["backend"]}) == _spec_of({"backend": mark["backend"]})
    requirements = yaml.safe_load(vip_redirect.DOCUMENTATION)["requirements"]
    assert len(requirements) == 2 and "nft" in requirements[0] and "iptables-restore" in requirements[1]


def _spec_of(options):
    """What the argument spec must agree with: everything but the descriptions."""
    return dict((name, dict((key, _spec_of(value) if key == "suboptions" else value)
                            for key, value in option.items() if key != "description"))
                for name, option in options.items())


def test_ipvs_keepalived_takes_ipvs_services_list_form():
    """The role passes one list to either module: the same entries, the same types."""
    mine = options(ipvs_keepalived)["services"]["suboptions"]
    theirs = options(ipvs_service)["services"]["suboptions"]
    assert _spec_of(mine) == _spec_of(theirs)
    assert set(options(ipvs_keepalived)) == {"services", "dump_file", "pid_file", "timeout", "drain_markers", "drain_timeout"}
    assert options(ipvs_keepalived)["drain_markers"]["type"] == options(ipvs_service)["drain_markers"]["type"] == "path"
    for module in (ipvs_keepalived, ipvs_service):
        assert {key: options(module)["drain_timeout"][key] for key in ("type", "default")} == {"type": "int", "default": 0}


def test_attributes_come_from_the_fragment():
    for module in (ipvs_service, ipvs_destination, ipvs_keepalived, arptables_vip, fwmark, ip_address, nat_masquerade, vip_redirect):
        assert yaml.safe_load(module.DOCUMENTATION)["extends_documentation_fragment"] == ["lvs.cluster.attributes"]
    assert yaml.safe_load(ipvs_info.DOCUMENTATION)["extends_documentation_fragment"] == ["lvs.cluster.attributes.info"]


def test_failure_keys_are_documented():
    for module in (ipvs_service, ipvs_destination, ipvs_keepalived, arptables_vip, fwmark, ip_address, nat_masquerade, vip_redirect):
        returns = yaml.safe_load(module.RETURN)
        for key in ("applied", "rc", "stderr"):
            assert returns[key]["returned"].startswith("on failure"), (module.__name__, key)
        assert returns["diff"]["returned"].startswith("in diff mode")


def test_ip_address_purges_by_default():
    """ip_address owns the addresses it recorded and nothing else, so purging is safe and is
    the default (a host that serves nothing loses the collection's VIPs)."""
    purge = options(ip_address)["purge"]
    assert purge["type"] == "bool" and purge["default"] is True
    assert set(options(ip_address)) == {
        "interface", "addresses", "purge", "up", "boot", "announce", "hand_over", "keep_interfaces"}
    # announcing is for a router's addresses only: a real server's loopback VIPs must stay silent
    assert options(ip_address)["announce"]["default"] is False


def test_nat_masquerade_names_what_it_needs():
    """Its two options (null network: the tables removed, so no state), and nft among its
    requirements."""
    doc = yaml.safe_load(nat_masquerade.DOCUMENTATION)
    assert set(doc["options"]) == {"network", "interface"}
    assert all(option["type"] == "str" and "default" not in option for option in doc["options"].values())
    assert any(line.startswith("nft ") for line in doc["requirements"])
