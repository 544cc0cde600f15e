# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ARP suppression for the VIPs of a direct-routing real server: pure logic.

The guide's arptables method, for each VIP held on the real server's loopback:

* drop incoming ARP whose target address is the VIP (the host never answers for it);
* mangle the sender address of outgoing ARP that carries the VIP to the real IP
  (the host never announces the VIP).

Two back ends:

* ``arptables`` (any of arptables, arptables-legacy, arptables-nft): the rules live in
  two chains of their own, ``LVS_CLUSTER_VIP_IN`` and ``LVS_CLUSTER_VIP_OUT``, reached
  from INPUT and OUTPUT by one jump each. Changes are single ``arptables`` commands:
  ``arptables-restore`` cannot be used, because ``arptables-legacy-restore`` flushes every
  chain and ``arptables-nft-restore`` ignores ``--noflush`` (both checked on Debian 12),
  so either would destroy other tools' rules.
* ``nftables``: a table of its own, ``arp lvs_cluster_vip``, replaced as a whole in one
  ``nft -f -`` transaction.

Nothing here imports Ansible: the module feeds listings in and runs what comes out.
Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import re

from ansible_collections.lvs.cluster.plugins.module_utils import nftables
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    address,
    address_sort_key,
    fail,
    state as parse_state,
)

CHAIN_IN = "LVS_CLUSTER_VIP_IN"
CHAIN_OUT = "LVS_CLUSTER_VIP_OUT"
# Built-in chain -> the collection's chain it jumps to.
JUMPS = (("INPUT", CHAIN_IN), ("OUTPUT", CHAIN_OUT))
NFT_TABLE = "lvs_cluster_vip"
NFT_COMMENT = "managed by lvs.cluster (arptables_vip)"
# Matches every rule carries on nftables: Ethernet hardware, IPv4 protocol addresses
# (the offsets of 'arp saddr ip' / 'arp daddr ip' assume exactly this layout).
NFT_ARP_GUARD = (("htype", 1), ("hlen", 6), ("plen", 4))


class ArpState(object):
    """The collection's ARP rules as found (or as wanted).

    drops:   set of VIPs whose incoming ARP is dropped
    mangles: set of (VIP, real IP) pairs for outgoing ARP
    stale:   rules found in the collection's chains/table that are not in the canonical
             form (duplicates, unknown rules); always removed on apply
    """

    def __init__(self, drops=None, mangles=None, stale=None, present=False, jumps=None, chains=None):
        self.drops = set(drops or ())
        self.mangles = set(mangles or ())
        self.stale = list(stale or ())
        self.present = present          # chains / table exist
        self.jumps = dict(jumps or {})  # arptables: built-in chain -> number of jumps
        self.chains = set(chains or ())  # arptables: which of our chains exist
        self.positions = {}  # arptables: (chain, vip) -> rule number in the listing

    def vips(self):
        """{vip: real_ip or None} of every VIP with a drop or a mangle rule."""
        result = {}
        for vip in self.drops:
            result[vip] = None
        for vip, real_ip in sorted(self.mangles):
            result[vip] = real_ip
        return dict(sorted(result.items(), key=lambda item: address_sort_key(item[0])))

    def as_dict(self):
        return {
            "vips": self.vips(),
            "drop": sorted(self.drops, key=address_sort_key),
            "mangle": [{"vip": vip, "real_ip": rip} for vip, rip in
                       sorted(self.mangles, key=lambda pair: (address_sort_key(pair[0]), address_sort_key(pair[1])))],
            "stale": list(self.stale),
        }


def desired_state(current, vips, real_ip, state, purge):
    """The ArpState the module converges to (validated input only)."""
    vips = set(vips)
    if state == "present":
        if purge:
            drops, mangles = set(), set()
        else:
            drops = set(current.drops)
            mangles = set(pair for pair in current.mangles if pair[0] not in vips)
        drops |= vips
        mangles |= set((vip, real_ip) for vip in vips)
    else:
        if purge or not vips:
            drops, mangles = set(), set()
        else:
            drops = set(current.drops) - vips
            mangles = set(pair for pair in current.mangles if pair[0] not in vips)
    return ArpState(drops=drops, mangles=mangles, present=bool(drops or mangles))


def _ipv4(option, value):
    text, family = address(option, value)
    if family != "ipv4":
        fail(option, value, "is an IPv6 address; ARP exists for IPv4 only (IPv6 VIPs need no ARP suppression)")
    return text


def validate(vips, real_ip, state):
    """Check the module's options; return (vips, real_ip, state) normalised."""
    state = parse_state("state", state)
    clean = []
    for index, vip in enumerate(vips or []):
        text = _ipv4("vips[%d]" % index, vip)
        parsed = ipaddress.IPv4Address(text)
        if parsed.is_unspecified or parsed.is_multicast or parsed.is_loopback or text == "255.255.255.255":
            fail("vips[%d]" % index, vip, "cannot be a VIP (unspecified, loopback, multicast or broadcast)")
        if text not in clean:
            clean.append(text)
    if real_ip is not None:
        real_ip = _ipv4("real_ip", real_ip)
        if real_ip in clean:
            fail("real_ip", real_ip, "is also listed in vips; the real IP must be the server's own "
                 "address on the LAN, not a VIP")
    if state == "present":
        if not clean:
            fail("vips", vips, "state=present needs at least one VIP")
        if real_ip is None:
            fail("real_ip", real_ip, "state=present needs the real server's own IPv4 address "
                 "(outgoing ARP for a VIP is rewritten to it)")
    return clean, real_ip, state


# ---------------------------------------------------------------- arptables

_CHAIN_HEADER = re.compile(r"^Chain (\S+) \((?:policy (\S+).*|(\d+) references)\)\s*$")


def parse_arptables_list(text):
    """Parse ``arptables -L -n [--line-numbers]`` (legacy or nft).

    Returns {chain: [rule text, ...]} in listing order; the optional leading line number
    and trailing blanks are dropped (legacy ends rules with a space, nft does not).
    """
    chains = {}
    current = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        header = _CHAIN_HEADER.match(line)
        if header:
            current = header.group(1)
            chains[current] = []
            continue
        if line.startswith("#") or current is None:
            continue  # arptables-nft warnings ("# Warning: ... legacy tables present")
        rule = re.sub(r"^\d+\s+", "", line.strip())
        chains[current].append(rule)
    return chains


def _rule_options(rule):
    """'-j mangle -s A --mangle-ip-s B' -> {'-j': 'mangle', '-s': 'A', '--mangle-ip-s': 'B'}.

    None if the rule is not a simple sequence of option/value pairs."""
    tokens = rule.split()
    if len(tokens) % 2:
        return None
    options = {}
    for flag, value in zip(tokens[0::2], tokens[1::2]):
        if not flag.startswith("-") or flag in options:
            return None
        options[flag] = value
    return options


def _plain_ipv4(value):
    """'192.0.2.10' or '192.0.2.10/32' -> '192.0.2.10'; anything else -> None."""
    if value.endswith("/32") or value.endswith("/255.255.255.255"):
        value = value.split("/", 1)[0]
    try:
        text, family = address("listing", value)
    except ValueError:  # a ValidationError: not ours in shape
        return None
    return text if family == "ipv4" else None


def arptables_state(chains):
    """The collection's rules found in a parse_arptables_list() result."""
    drops, mangles, stale, positions = set(), set(), [], {}
    for position, rule in enumerate(chains.get(CHAIN_IN, []), 1):
        options = _rule_options(rule)
        vip = None
        if options is not None and set(options) == {"-j", "-d"} and options["-j"] == "DROP":
            vip = _plain_ipv4(options["-d"])
        if vip is None or vip in drops:
            stale.append({"chain": CHAIN_IN, "number": position, "rule": rule})
        else:
            drops.add(vip)
            positions[(CHAIN_IN, vip)] = position
    seen = set()
    for position, rule in enumerate(chains.get(CHAIN_OUT, []), 1):
        options = _rule_options(rule)
        vip = real_ip = None
        if options is not None and set(options) == {"-j", "-s", "--mangle-ip-s"} and options["-j"] == "mangle":
            vip = _plain_ipv4(options["-s"])
            real_ip = _plain_ipv4(options["--mangle-ip-s"])
        if vip is None or real_ip is None or vip in seen:
            stale.append({"chain": CHAIN_OUT, "number": position, "rule": rule})
        else:
            seen.add(vip)
            mangles.add((vip, real_ip))
            positions[(CHAIN_OUT, vip)] = position
    jumps = {}
    for builtin, target in JUMPS:
        jumps[builtin] = sum(1 for rule in chains.get(builtin, []) if rule == "-j %s" % target)
    ours = set(name for name in (CHAIN_IN, CHAIN_OUT) if name in chains)
    state = ArpState(drops=drops, mangles=mangles, stale=stale, present=bool(ours),
                     jumps=jumps, chains=ours)
    state.positions = positions
    return state


def arptables_drop_rule(vip):
    return ["-j", "DROP", "-d", vip]


def arptables_mangle_rule(vip, real_ip):
    return ["-j", "mangle", "-s", vip, "--mangle-ip-s", real_ip]


def plan_arptables(current, desired):
    """Argument lists (without the executable) that turn CURRENT into DESIRED.

    Order keeps every VIP protected throughout: chains first, then new rules, then the
    deletion of replaced and stale rules (by number, highest first, so the numbers stay
    valid), then the jumps; removal of everything goes jumps first, then flush and delete.
    """
    commands = []
    if not desired.present:
        if not current.present and not any(current.jumps.values()):
            return commands
        for builtin, target in JUMPS:
            for _count in range(current.jumps.get(builtin, 0)):
                commands.append(["-D", builtin, "-j", target])
        for chain in (CHAIN_IN, CHAIN_OUT):
            if chain in current.chains:
                commands.append(["-F", chain])
        for chain in (CHAIN_IN, CHAIN_OUT):
            if chain in current.chains:
                commands.append(["-X", chain])
        return commands

    for chain in (CHAIN_IN, CHAIN_OUT):
        if chain not in current.chains:
            commands.append(["-N", chain])
    for vip in sorted(desired.drops - current.drops, key=address_sort_key):
        commands.append(["-A", CHAIN_IN] + arptables_drop_rule(vip))
    for vip, real_ip in sorted(desired.mangles - current.mangles):
        commands.append(["-A", CHAIN_OUT] + arptables_mangle_rule(vip, real_ip))

    # Rules to delete, by position in the listing the state was read from.
    doomed = {CHAIN_IN: set(), CHAIN_OUT: set()}
    for item in current.stale:
        doomed[item["chain"]].add(item["number"])
    positions = current.positions
    for vip in current.drops - desired.drops:
        doomed[CHAIN_IN].add(positions[(CHAIN_IN, vip)])
    for vip, real_ip in current.mangles - desired.mangles:
        doomed[CHAIN_OUT].add(positions[(CHAIN_OUT, vip)])
    for chain in (CHAIN_IN, CHAIN_OUT):
        for number in sorted(doomed[chain], reverse=True):
            commands.append(["-D", chain, str(number)])

    for builtin, target in JUMPS:
        count = current.jumps.get(builtin, 0)
        if count == 0:
            # First in the built-in chain: another tool's ACCEPT must not bypass the drop.
            commands.append(["-I", builtin, "1", "-j", target])
        for _extra in range(count - 1):
            commands.append(["-D", builtin, "-j", target])
    return commands


def read_arptables(text):
    """ArpState from the text of ``arptables -L -n``."""
    return arptables_state(parse_arptables_list(text))


def render_arptables(state):
    """Canonical text of the collection's arptables rules (for diff)."""
    if not state.present and not any(state.jumps.values()):
        return ""
    lines = []
    for builtin, target in JUMPS:
        for _count in range(state.jumps.get(builtin, 1 if state.present else 0)):
            lines.append("-A %s -j %s" % (builtin, target))
    for vip in sorted(state.drops, key=address_sort_key):
        lines.append("-A %s %s" % (CHAIN_IN, " ".join(arptables_drop_rule(vip))))
    for vip, real_ip in sorted(state.mangles, key=lambda pair: address_sort_key(pair[0])):
        lines.append("-A %s %s" % (CHAIN_OUT, " ".join(arptables_mangle_rule(vip, real_ip))))
    for item in state.stale:
        lines.append("-A %s %s  # stale" % (item["chain"], item["rule"]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- nftables

def _payload_match(expr):
    """{'match': == arp <field>} -> (field, value) or None."""
    match = expr.get("match") if isinstance(expr, dict) else None
    if not isinstance(match, dict) or match.get("op") != "==":
        return None
    payload = match.get("left", {}).get("payload") if isinstance(match.get("left"), dict) else None
    if not isinstance(payload, dict) or payload.get("protocol") != "arp":
        return None
    return payload.get("field"), match.get("right")


def _classify_nft_rule(chain, exprs):
    """Return ('drop', vip) / ('mangle', (vip, real_ip)) for canonical rules, else None."""
    guard, fields, verdict = [], {}, None
    for expr in exprs:
        found = _payload_match(expr)
        if found is not None:
            field, value = found
            if field in ("htype", "hlen", "plen"):
                guard.append((field, value))
            elif field in fields:
                return None
            else:
                fields[field] = value
            continue
        if isinstance(expr, dict) and "drop" in expr and verdict is None:
            verdict = ("drop", None)
            continue
        mangle = expr.get("mangle") if isinstance(expr, dict) else None
        if isinstance(mangle, dict) and verdict is None:
            key = mangle.get("key", {}).get("payload", {})
            if key.get("protocol") == "arp" and key.get("field") == "saddr ip":
                verdict = ("mangle", mangle.get("value"))
                continue
        if isinstance(expr, dict) and "counter" in expr:
            continue  # counters do not change what a rule does
        return None
    if tuple(guard) != NFT_ARP_GUARD or verdict is None:
        return None
    if chain == "input" and verdict[0] == "drop" and set(fields) == {"daddr ip"}:
        vip = _plain_ipv4(str(fields["daddr ip"]))
        return ("drop", vip) if vip else None
    if chain == "output" and verdict[0] == "mangle" and set(fields) == {"saddr ip"}:
        vip = _plain_ipv4(str(fields["saddr ip"]))
        real_ip = _plain_ipv4(str(verdict[1]))
        return ("mangle", (vip, real_ip)) if vip and real_ip else None
    return None


_NFT_CHAINS = {"input": ("filter", "input", 0), "output": ("filter", "output", 0)}


def parse_nft_json(text):
    """ArpState from ``nft -j list table arp lvs_cluster_vip`` (empty text: no table)."""
    if not text.strip():
        return ArpState()
    data = json.loads(text)
    drops, mangles, stale = set(), set(), []
    chains = nftables.chains_of(data)
    for name, spec in sorted(chains.items()):
        expected = _NFT_CHAINS.get(name)
        if expected is None or spec != expected + ("accept",):
            stale.append({"chain": name, "rule": "chain %s %s" % (name, json.dumps(list(spec)))})
    seen_mangle = set()
    for rule in nftables.rules_of(data):
        found = _classify_nft_rule(rule.get("chain"), rule.get("expr", []))
        if found and found[0] == "drop" and found[1] not in drops:
            drops.add(found[1])
        elif found and found[0] == "mangle" and found[1][0] not in seen_mangle:
            seen_mangle.add(found[1][0])
            mangles.add(found[1])
        else:
            stale.append({"chain": rule.get("chain"), "handle": rule.get("handle"),
                          "rule": json.dumps(rule.get("expr", []), sort_keys=True)})
    for name in _NFT_CHAINS:
        if name not in chains:
            stale.append({"chain": name, "rule": "missing chain"})
    return ArpState(drops=drops, mangles=mangles, stale=stale, present=True)


def _nft_guard():
    return " ".join("arp %s %d" % pair for pair in NFT_ARP_GUARD)


def render_nft_table(state):
    """The whole table as nft syntax (what the nftables back end writes)."""
    if not state.present:
        return ""
    lines = ["table arp %s {" % NFT_TABLE,
             '\tcomment "%s"' % NFT_COMMENT,
             "\tchain input {",
             "\t\ttype filter hook input priority filter; policy accept;"]
    for vip in sorted(state.drops, key=address_sort_key):
        lines.append('\t\t%s arp daddr ip %s drop comment "lvs.cluster vip %s"' % (_nft_guard(), vip, vip))
    lines += ["\t}", "\tchain output {", "\t\ttype filter hook output priority filter; policy accept;"]
    for vip, real_ip in sorted(state.mangles, key=lambda pair: address_sort_key(pair[0])):
        lines.append('\t\t%s arp saddr ip %s arp saddr ip set %s comment "lvs.cluster vip %s"'
                     % (_nft_guard(), vip, real_ip, vip))
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def render_nft_current(state):
    """Canonical text of a state as read (stale items flagged), for diff."""
    text = render_nft_table(ArpState(drops=state.drops, mangles=state.mangles, present=state.present))
    for item in state.stale:
        text += "# stale in chain %s: %s\n" % (item["chain"], item["rule"])
    return text


def nft_script(current, desired):
    """Input for ``nft -f -``: one transaction; '' when nothing is to be done."""
    return nftables.replace_script("arp", NFT_TABLE, render_nft_table(desired), current.present)


def nft_needs_change(current, desired):
    return (current.present != desired.present or current.drops != desired.drops
            or current.mangles != desired.mangles or bool(current.stale))
