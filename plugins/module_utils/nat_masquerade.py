# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router masquerades what the NAT real servers send out by themselves (updates, DNS):
pure logic of the nat_masquerade module, and the text of its tables that the router's
boot file loads (router_nftables), so the file and the module cannot disagree.

The collection's tables are ``ip lvs_cluster_nat`` and ``ip6 lvs_cluster_nat``. The one of
the network's family holds the chain ``postrouting`` (type nat, hook postrouting, priority
srcnat, policy accept) with the one rule ``ip|ip6 saddr NETWORK oifname "IFACE"
masquerade``; the other one is absent (both, without a network).

Each is read with ``nft -j list table`` and compared as data: the network, the interface,
the chain's type, hook, priority and policy, and nothing else in the table (no other
chain, rule, set or object, no table flags such as dormant, no options on the
masquerade). What a version of nftables prints or leaves out of its JSON does not count:
handles, key order, the address's spelling, a counter on the rule (as the fwmark table
tolerates one), the comments of table and chain when the listing leaves them out (1.0.6
prints neither; a later nftables that prints them must print the collection's). The
tables that differ are replaced (or deleted), both families in one ``nft -f -``
transaction; nothing runs when both are as wanted.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
from collections import namedtuple

from ansible_collections.lvs.cluster.plugins.module_utils import nftables
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    fail,
    interface_name as parse_interface,
    network as parse_network,
)

NFT_TABLE = "lvs_cluster_nat"
NFT_CHAIN = "postrouting"
NFT_COMMENT = "lvs.cluster: NAT real servers reach the outside through the router"
# (type, hook, priority, policy) of the chain; priority srcnat is 100 in ip and ip6
NFT_CHAIN_SPEC = ("nat", "postrouting", 100, "accept")
# the nftables family of each address family, in the order the tables are written
TABLE_FAMILY = {"ipv4": "ip", "ipv6": "ip6"}
FAMILIES = ("ip", "ip6")
ADDRESS_FAMILY = {"ip": "ipv4", "ip6": "ipv6"}
# family: "ipv4" or "ipv6"; network: an ipaddress network; interface: its name
Masquerade = namedtuple("Masquerade", "family network interface")


def validate(network, interface):
    """The masquerading the options ask for: [Masquerade], or [] when network is null or
    empty (the collection's tables removed; interface is then not needed)."""
    if network is None or str(network).strip() == "":
        return []
    parsed, family = parse_network("network", network)
    if interface is None or str(interface).strip() == "":
        fail("interface", interface, "is required with network: the router's interface the "
             "masqueraded traffic leaves by")
    return [Masquerade(family, parsed, parse_interface("interface", interface))]


def rules_as_dicts(rules):
    return [{"family": rule.family, "network": str(rule.network), "interface": rule.interface}
            for rule in rules]


def _of(table_family, rules):
    return [rule for rule in rules if TABLE_FAMILY[rule.family] == table_family]


# ---------------------------------------------------------------- text

def rule_text(rule):
    return '%s saddr %s oifname "%s" masquerade' % (TABLE_FAMILY[rule.family], rule.network, rule.interface)


def render_nft_table(table_family, rules):
    """The table of one family holding these rules ('' for none), in the form ``nft list
    table`` prints it (the router's boot file holds this text)."""
    rules = _of(table_family, rules)
    if not rules:
        return ""
    lines = ["table %s %s {" % (table_family, NFT_TABLE),
             '\tcomment "%s"' % NFT_COMMENT,
             "\tchain %s {" % NFT_CHAIN,
             "\t\ttype nat hook postrouting priority srcnat; policy accept;"]
    lines += ["\t\t%s" % rule_text(rule) for rule in rules]
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def tables_text(rules):
    """{table family: its table's text ('' where the table is to be absent)}."""
    return dict((family, render_nft_table(family, rules)) for family in FAMILIES)


def render_nft(rules):
    """Both tables as wanted (diff's after)."""
    return "".join(render_nft_table(family, rules) for family in FAMILIES)


# ---------------------------------------------------------------- reading

class NatState(object):
    """What the collection's tables hold: the families whose table exists, the canonical
    masquerade rules found (either family), and everything else found in them (stale)."""

    def __init__(self, present=(), rules=None, stale=None):
        self.present = set(present)
        self.rules = list(rules or [])
        self.stale = list(stale or [])


def _stale(family, chain, what, handle=None):
    return {"family": family, "chain": chain, "handle": handle, "rule": what}


def _network(table_family, right):
    """The network a saddr match names (an address alone is its /32 or /128), or None."""
    if isinstance(right, str):
        text = right
    elif isinstance(right, dict) and isinstance(right.get("prefix"), dict):
        prefix = right["prefix"]
        if not isinstance(prefix.get("addr"), str) or not isinstance(prefix.get("len"), int) \
                or isinstance(prefix.get("len"), bool):
            return None
        text = "%s/%d" % (prefix["addr"], prefix["len"])
    else:
        return None
    try:
        network = ipaddress.ip_network(u"%s" % text, strict=False)
    except ValueError:
        return None
    return network if "ipv%d" % network.version == ADDRESS_FAMILY[table_family] else None


def _plain_masquerade(table_family, expr):
    """masquerade with no address, port or flag (1.0.6 prints null; a later nftables may
    name the family, or print empty lists)."""
    if not isinstance(expr, dict) or list(expr) != ["masquerade"]:
        return False
    options = expr["masquerade"]
    if options is None:
        return True
    if not isinstance(options, dict):
        return False
    for key, value in options.items():
        if key == "family" and value == table_family:
            continue
        if key in ("flags", "type_flags") and not value:
            continue
        return False
    return True


def _nft_rule(table_family, rule):
    """A JSON rule of the chain -> Masquerade if it has the canonical shape, else None."""
    exprs = rule.get("expr")
    if rule.get("comment") or not isinstance(exprs, list) or not exprs \
            or not _plain_masquerade(table_family, exprs[-1]):
        return None
    network = interface = None
    for expr in exprs[:-1]:
        if not isinstance(expr, dict):
            return None
        if list(expr) == ["counter"]:
            continue
        match = expr.get("match")
        if list(expr) != ["match"] or not isinstance(match, dict) or match.get("op", "==") != "==":
            return None
        left, right = match.get("left"), match.get("right")
        if left == {"payload": {"protocol": table_family, "field": "saddr"}} and network is None:
            network = _network(table_family, right)
            if network is None:
                return None
        elif left == {"meta": {"key": "oifname"}} and interface is None and isinstance(right, str):
            interface = right
        else:
            return None
    if network is None or interface is None:
        return None
    return Masquerade(ADDRESS_FAMILY[table_family], network, interface)


def _table_stale(table_family, table):
    stale = []
    if table.get("flags"):   # 1.0.6 prints a flagged (dormant) table's flags as a wrong string
        stale.append(_stale(table_family, "*", "table flags %s" % json.dumps(table["flags"])))
    if "comment" in table and table["comment"] != NFT_COMMENT:
        stale.append(_stale(table_family, "*", "table comment %s" % json.dumps(table["comment"])))
    return stale


def _chain_stale(table_family, chain):
    name = chain.get("name")
    spec = (chain.get("type"), chain.get("hook"), chain.get("prio"), chain.get("policy", "accept"))
    if name == NFT_CHAIN and spec == NFT_CHAIN_SPEC and not chain.get("dev") \
            and chain.get("comment") in (None, ""):
        return []
    what = dict((key, chain[key]) for key in ("type", "hook", "prio", "policy", "dev", "comment") if key in chain)
    return [_stale(table_family, name, "chain %s %s" % (name, json.dumps(what, sort_keys=True)),
                   chain.get("handle"))]


def parse_table(table_family, text):
    """(present, rules, stale) of ``nft -j list table FAMILY lvs_cluster_nat`` ('' = no table)."""
    if not text.strip():
        return False, [], []
    try:
        data = json.loads(text)
    except ValueError:
        raise CommandError("nft -j list table %s %s printed what is not JSON: %s"
                           % (table_family, NFT_TABLE, text.strip()[:200]))
    rules, stale = [], []
    items = data.get("nftables", []) if isinstance(data, dict) else []
    for item in items:
        for kind, value in (item.items() if isinstance(item, dict) else [("?", item)]):
            value = value if isinstance(value, dict) else {}
            if kind == "metainfo":
                continue
            if kind == "table":
                stale += _table_stale(table_family, value)
            elif kind == "chain":
                stale += _chain_stale(table_family, value)
            elif kind == "rule":
                parsed = _nft_rule(table_family, value) if value.get("chain") == NFT_CHAIN else None
                if parsed is None:
                    stale.append(_stale(table_family, value.get("chain"),
                                        json.dumps(value.get("expr", []), sort_keys=True), value.get("handle")))
                else:
                    rules.append(parsed)
            else:   # a set, map, counter, flowtable...: nothing of the collection's
                stale.append(_stale(table_family, "*", "%s %s" % (kind, value.get("name")), value.get("handle")))
    return True, rules, stale


def parse_nft_json(texts):
    """NatState from {table family: ``nft -j list table FAMILY lvs_cluster_nat`` ('' = none)}."""
    state = NatState()
    for family in FAMILIES:
        present, rules, stale = parse_table(family, texts.get(family, ""))
        if present:
            state.present.add(family)
        state.rules += rules
        state.stale += stale
    return state


# ---------------------------------------------------------------- comparing, changing

def family_needs_change(current, rules, table_family):
    wanted = _of(table_family, rules)
    present = table_family in current.present
    if not wanted:
        return present
    return (not present or any(item["family"] == table_family for item in current.stale)
            or _of(table_family, current.rules) != wanted)


def nft_needs_change(current, rules):
    return any(family_needs_change(current, rules, family) for family in FAMILIES)


def nft_script(current, rules):
    """Input for ``nft -f -``: each table that differs replaced (or deleted), one transaction."""
    return "".join(nftables.replace_script(family, NFT_TABLE, render_nft_table(family, rules),
                                           family in current.present)
                   for family in FAMILIES if family_needs_change(current, rules, family))


def render_nft_current(state):
    """The tables as found (diff's before): canonical text, then what else they hold."""
    text = ""
    for family in FAMILIES:
        if family not in state.present:
            continue
        text += render_nft_table(family, state.rules) or "table %s %s {}\n" % (family, NFT_TABLE)
        for item in state.stale:
            if item["family"] == family:
                text += "# stale in %s %s: %s\n" % (family, item["chain"], item["rule"])
    return text


class NftMasquerade(nftables.NftFamilyTables):
    """The back end (see rules.converge): the tables ip and ip6 lvs_cluster_nat."""

    families, table = FAMILIES, NFT_TABLE
    parse = staticmethod(parse_nft_json)
    needs_change = staticmethod(nft_needs_change)
    script = staticmethod(nft_script)
    render_current = staticmethod(render_nft_current)
    render = staticmethod(render_nft)
