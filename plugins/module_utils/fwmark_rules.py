# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firewall marks for IPVS fwmark virtual services: pure logic.

A mark entry says: packets to ADDRESS, protocol PROTO, destination ports PORTS get
firewall mark MARK (in PREROUTING, before IPVS looks at them). One rule per (mark,
address, protocol), its ports a normalised list of single ports and ranges.

Back ends, each owned by the collection and tagged:

* ``nftables``: table ``inet lvs_cluster_fwmark``, chain ``prerouting`` (hook prerouting,
  priority mangle); the whole table is replaced in one ``nft -f -`` transaction.
* ``iptables`` (also ``iptables-legacy`` / ``iptables-nft``): chain ``LVS_CLUSTER_FWMARK``
  in the mangle table, one jump from PREROUTING, every rule with the comment
  ``lvs.cluster fwmark <mark>``; rewritten with ``iptables-restore --noflush`` (and
  ``ip6tables-restore`` for IPv6), one transaction per address family.

No Ansible imports; standard library only; Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import shlex
from collections import namedtuple

from ansible_collections.lvs.cluster.plugins.module_utils import nftables
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    PROTOCOLS,
    address as parse_address,
    address_sort_key,
    fail,
    mark as parse_mark,
    name as _name,
    port_ranges,
    protocol as parse_protocol,
    state as parse_state,
)

NFT_TABLE = "lvs_cluster_fwmark"
NFT_CHAIN = "prerouting"
NFT_COMMENT = "managed by lvs.cluster (fwmark)"
IPT_CHAIN = "LVS_CLUSTER_FWMARK"
IPT_TOOL = {"ipv4": "iptables", "ipv6": "ip6tables"}
MULTIPORT_MAX = 15  # xt_multiport: at most 15 ports, a range counts as two
# family: "ipv4" or "ipv6"; address: normalised string; ports: tuple of (low, high)
Rule = namedtuple("Rule", "mark family address protocol ports")
FAMILY_OF_VERSION = {4: "ipv4", 6: "ipv6"}


def entry_rules(entry, where="marks[0]"):
    """One mark entry (dict: fwmark, vips, protocols, ports) -> sorted Rules.

    WHERE prefixes option names in errors ('' for the module's top-level options)."""
    mark = parse_mark(_name(where, "fwmark"), entry.get("fwmark"))
    vips = entry.get("vips") or []
    if isinstance(vips, str):
        vips = [vips]
    if not vips:
        fail(_name(where, "vips"), entry.get("vips"), "at least one VIP is needed")
    protocols = entry.get("protocols") or ["tcp"]
    if isinstance(protocols, str):
        protocols = [protocols]
    protocols = [parse_protocol("%s[%d]" % (_name(where, "protocols"), index), protocol)
                 for index, protocol in enumerate(protocols)]
    ports = port_ranges(_name(where, "ports"), entry.get("ports"))
    rules = set()
    for index, vip in enumerate(vips):
        text, family = parse_address("%s[%d]" % (_name(where, "vips"), index), vip)
        for protocol in protocols:
            rules.add(Rule(mark, family, text, protocol, ports))
    return sorted(rules, key=sort_key)


def sort_key(rule):
    return (rule.mark, rule.family, address_sort_key(rule.address), rule.protocol, rule.ports)


def validate(entries, state, top_level=False):
    """Check the module input; return (state, {mark: [Rule, ...]}) ([] per mark for absent).

    top_level: the one entry came from the module's own fwmark/vips/... options."""
    state = parse_state("state", state)
    wanted = {}
    for index, entry in enumerate(entries):
        where = "" if top_level else "marks[%d]" % index
        if state == "absent":
            wanted[parse_mark(_name(where, "fwmark"), entry.get("fwmark"))] = []
            continue
        rules = entry_rules(entry, where)
        mark = rules[0].mark
        if mark in wanted:
            fail(_name(where, "fwmark"), mark, "is given twice; list all its VIPs, protocols "
                 "and ports in one entry")
        wanted[mark] = rules
    if state == "present" and not wanted:
        fail("fwmark", None, "state=present needs a mark with vips and ports")
    return state, wanted


def desired_rules(current, wanted, state, purge):
    """The sorted Rule list to converge to, from the current Rules and validated input."""
    if state == "present":
        keep = [] if purge else [rule for rule in current if rule.mark not in wanted]
        rules = set(keep)
        for mark_rules in wanted.values():
            rules.update(mark_rules)
    else:
        if purge or not wanted:
            rules = set()
        else:
            rules = set(rule for rule in current if rule.mark not in wanted)
    return sorted(rules, key=sort_key)


def rules_as_dicts(rules):
    return [{"fwmark": rule.mark, "family": rule.family, "vip": rule.address,
             "protocol": rule.protocol, "ports": ports_text(rule.ports, "-").split(",")}
            for rule in rules]


def ports_text(ports, separator):
    return ",".join("%d" % low if low == high else "%d%s%d" % (low, separator, high) for low, high in ports)


def comment(mark):
    return "lvs.cluster fwmark %d" % mark


# ---------------------------------------------------------------- nftables

def _nft_ports(ports):
    if len(ports) == 1 and ports[0][0] == ports[0][1]:
        return "%d" % ports[0][0]
    return "{ %s }" % ", ".join("%d" % low if low == high else "%d-%d" % (low, high) for low, high in ports)


def nft_rule_text(rule):
    return '%s daddr %s %s dport %s meta mark set 0x%08x comment "%s"' % (
        "ip" if rule.family == "ipv4" else "ip6", rule.address, rule.protocol, _nft_ports(rule.ports),
        rule.mark, comment(rule.mark))


def render_nft_table(rules):
    if not rules:
        return ""
    lines = ["table inet %s {" % NFT_TABLE, '\tcomment "%s"' % NFT_COMMENT,
             "\tchain %s {" % NFT_CHAIN,
             "\t\ttype filter hook prerouting priority mangle; policy accept;"]
    lines += ["\t\t%s" % nft_rule_text(rule) for rule in rules]
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def nft_script(current_present, rules):
    """Input for ``nft -f -``: the whole table replaced (or deleted) in one transaction."""
    return nftables.replace_script("inet", NFT_TABLE, render_nft_table(rules), current_present)


def _nft_port_set(right):
    """JSON 'right' of a dport match -> tuple of (low, high), or None."""
    items = right.get("set") if isinstance(right, dict) else [right]
    if not isinstance(items, list):
        return None
    ports = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            ports.append((item, item))
        elif isinstance(item, dict) and isinstance(item.get("range"), list) and len(item["range"]) == 2:
            ports.append((int(item["range"][0]), int(item["range"][1])))
        else:
            return None
    return tuple(sorted(ports))


def _nft_rule(rule):
    """A JSON rule of our chain -> Rule if it has the canonical shape, else None."""
    family = address = protocol = ports = mark = None
    for expr in rule.get("expr", []):
        if not isinstance(expr, dict):
            return None
        if "counter" in expr:
            continue
        match = expr.get("match")
        if isinstance(match, dict) and match.get("op") == "==" and isinstance(match.get("left"), dict):
            payload = match["left"].get("payload")
            if not isinstance(payload, dict):
                return None
            proto, field = payload.get("protocol"), payload.get("field")
            if proto in ("ip", "ip6") and field == "daddr" and address is None:
                if not isinstance(match.get("right"), str):
                    return None
                try:
                    address, family = parse_address("listing", match["right"])
                except ValueError:  # a ValidationError: not ours in shape
                    return None
                if (proto == "ip") != (family == "ipv4"):
                    return None
            elif proto in PROTOCOLS and field == "dport" and protocol is None:
                protocol, ports = proto, _nft_port_set(match.get("right"))
                if ports is None:
                    return None
            else:
                return None
            continue
        mangle = expr.get("mangle")
        if isinstance(mangle, dict) and mangle.get("key") == {"meta": {"key": "mark"}} and mark is None:
            if not isinstance(mangle.get("value"), int):
                return None
            mark = mangle["value"]
            continue
        return None
    if None in (family, protocol, mark) or rule.get("comment") != comment(mark):
        return None
    return Rule(mark, family, address, protocol, ports)


class FwmarkState(object):
    """Rules found in the collection's table/chains, and anything there that is not canonical."""

    def __init__(self, rules=None, stale=None, present=False, jumps=None, lines=None):
        self.rules = list(rules or [])
        self.stale = list(stale or [])
        self.present = present
        self.jumps = dict(jumps or {})   # iptables: family -> jumps from PREROUTING
        self.lines = dict(lines or {})   # iptables: family -> our chain's rule lines as saved
        self.chains = set()              # iptables: families whose chain exists


def parse_nft_json(text):
    """FwmarkState from ``nft -j list table inet lvs_cluster_fwmark`` ('' = no table)."""
    if not text.strip():
        return FwmarkState()
    data = json.loads(text)
    rules, stale = [], []
    chains = nftables.chains_of(data)
    if chains != {NFT_CHAIN: ("filter", "prerouting", -150, "accept")}:
        stale.append({"chain": "*", "rule": "chains %s" % json.dumps(chains, sort_keys=True)})
    for rule in nftables.rules_of(data):
        parsed = _nft_rule(rule) if rule.get("chain") == NFT_CHAIN else None
        if parsed is None:
            stale.append({"chain": rule.get("chain"), "handle": rule.get("handle"),
                          "rule": json.dumps(rule.get("expr", []), sort_keys=True)})
        else:
            rules.append(parsed)
    return FwmarkState(rules=rules, stale=stale, present=True)


def nft_needs_change(current, rules):
    if not rules:
        return current.present
    return not current.present or bool(current.stale) or current.rules != list(rules)


def render_nft_current(state):
    text = render_nft_table(state.rules) if state.present else ""
    if state.present and not state.rules:
        text = "table inet %s {}\n" % NFT_TABLE
    for item in state.stale:
        text += "# stale in %s: %s\n" % (item["chain"], item["rule"])
    return text


# ---------------------------------------------------------------- iptables

def _multiport_chunks(ports):
    """Split port intervals into groups xt_multiport accepts (15 slots, a range takes 2)."""
    chunks, chunk, used = [], [], 0
    for low, high in ports:
        need = 1 if low == high else 2
        if used + need > MULTIPORT_MAX:
            chunks.append(tuple(chunk))
            chunk, used = [], 0
        chunk.append((low, high))
        used += need
    if chunk:
        chunks.append(tuple(chunk))
    return chunks


def ipt_rule_lines(rule):
    """The rule(s) exactly as ``iptables-save`` prints them (without '-A CHAIN ')."""
    prefix = 32 if rule.family == "ipv4" else 128
    return ['-d %s/%d -p %s -m multiport --dports %s -m comment --comment "%s" -j MARK --set-xmark 0x%x/0xffffffff'
            % (rule.address, prefix, rule.protocol, ports_text(chunk, ":"), comment(rule.mark), rule.mark)
            for chunk in _multiport_chunks(rule.ports)]


def ipt_lines(rules, family):
    lines = []
    for rule in rules:
        if rule.family == family:
            lines += ipt_rule_lines(rule)
    return lines


def _ipt_parse_rule(line):
    """One saved rule of our chain -> Rule (ports of this line only), or None."""
    try:
        tokens = shlex.split(line)
    except ValueError:
        return None
    options = {}
    index = 0
    while index < len(tokens):
        flag = tokens[index]
        if flag == "-m" and index + 1 < len(tokens):
            index += 2
            continue
        if index + 1 >= len(tokens) or flag in options:
            return None
        options[flag] = tokens[index + 1]
        index += 2
    if set(options) != {"-d", "-p", "--dports", "--comment", "-j", "--set-xmark"} or options["-j"] != "MARK":
        return None
    try:
        network = ipaddress.ip_network(options["-d"], strict=True)
    except ValueError:
        return None
    if network.num_addresses != 1 or options["-p"] not in PROTOCOLS:
        return None
    value, _sep, mask = options["--set-xmark"].partition("/")
    if mask.lower() != "0xffffffff":
        return None
    try:
        mark = int(value, 16)
        ports = port_ranges("--dports", options["--dports"].split(","))
    except ValueError:  # ValidationError too
        return None
    if options["--comment"] != comment(mark):
        return None
    return Rule(mark, FAMILY_OF_VERSION[network.version], str(network.network_address), options["-p"], ports)


def parse_iptables_save(text, family):
    """FwmarkState (one family) from ``iptables-save -t mangle`` / ``ip6tables-save -t mangle``."""
    in_mangle = False
    chain_exists = False
    lines, jumps = [], 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("*"):
            in_mangle = line == "*mangle"
            continue
        if not in_mangle or not line or line.startswith("#"):
            continue
        if line.startswith(":%s " % IPT_CHAIN):
            chain_exists = True
        elif line == "-A PREROUTING -j %s" % IPT_CHAIN:
            jumps += 1
        elif line.startswith("-A %s " % IPT_CHAIN):
            lines.append(line[len("-A %s " % IPT_CHAIN):])
    rules, stale = [], []
    merged = {}
    for line in lines:
        rule = _ipt_parse_rule(line)
        if rule is None:
            stale.append({"chain": IPT_CHAIN, "rule": line})
            continue
        key = rule[:4]
        if key in merged:  # a rule split for multiport's 15-port limit
            previous = merged[key]
            merged[key] = previous._replace(ports=port_ranges("ports", [
                "%d-%d" % pair for pair in previous.ports + rule.ports]))
        else:
            merged[key] = rule
            rules.append(key)
    state = FwmarkState(rules=[merged[key] for key in rules], stale=stale, present=chain_exists,
                        jumps={family: jumps}, lines={family: lines})
    if chain_exists:
        state.chains.add(family)
    return state


def merge_families(v4, v6):
    """One FwmarkState of both iptables families."""
    state = FwmarkState(rules=sorted(v4.rules + v6.rules, key=sort_key), stale=v4.stale + v6.stale,
                        present=v4.present or v6.present)
    state.jumps = {"ipv4": v4.jumps.get("ipv4", 0), "ipv6": v6.jumps.get("ipv6", 0)}
    state.lines = {"ipv4": v4.lines.get("ipv4", []), "ipv6": v6.lines.get("ipv6", [])}
    state.chains = v4.chains | v6.chains
    return state


def ipt_restore_payload(current, rules, family):
    """Input for ``ip[6]tables-restore --noflush`` for one family; '' if it is already right."""
    wanted = ipt_lines(rules, family)
    has_chain = family in current.chains
    jumps = current.jumps.get(family, 0)
    if not wanted:
        if not has_chain and not jumps:
            return ""
        body = ["-D PREROUTING -j %s" % IPT_CHAIN] * jumps
        if has_chain:
            body += ["-F %s" % IPT_CHAIN, "-X %s" % IPT_CHAIN]
        return "*mangle\n" + "".join(line + "\n" for line in body) + "COMMIT\n"
    if has_chain and jumps == 1 and current.lines.get(family, []) == wanted:
        return ""
    # Declaring our chain under --noflush flushes it; the other chains are left alone.
    body = [":%s - [0:0]" % IPT_CHAIN]
    body += ["-A %s %s" % (IPT_CHAIN, line) for line in wanted]
    if jumps == 0:
        body.append("-I PREROUTING 1 -j %s" % IPT_CHAIN)
    body += ["-D PREROUTING -j %s" % IPT_CHAIN] * max(jumps - 1, 0)
    return "*mangle\n" + "".join(line + "\n" for line in body) + "COMMIT\n"


def render_ipt(state_or_rules, jumps_default=True):
    """Canonical text of our iptables rules, both families (for diff)."""
    if isinstance(state_or_rules, FwmarkState):
        state = state_or_rules
        out = []
        for family in ("ipv4", "ipv6"):
            tool = IPT_TOOL[family]
            lines = state.lines.get(family, [])
            jumps = state.jumps.get(family, 0)
            if family not in state.chains and not jumps:
                continue
            out.append("# %s -t mangle" % tool)
            out += ["-A PREROUTING -j %s" % IPT_CHAIN] * jumps
            out += ["-A %s %s" % (IPT_CHAIN, line) for line in lines]
        return "\n".join(out) + "\n" if out else ""
    rules = state_or_rules
    out = []
    for family in ("ipv4", "ipv6"):
        lines = ipt_lines(rules, family)
        if not lines:
            continue
        out.append("# %s -t mangle" % IPT_TOOL[family])
        out.append("-A PREROUTING -j %s" % IPT_CHAIN)
        out += ["-A %s %s" % (IPT_CHAIN, line) for line in lines]
    return "\n".join(out) + "\n" if out else ""
