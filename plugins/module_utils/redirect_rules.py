# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real server's "redirect" ARP method: pure logic.

A direct-routing real server that uses this method holds no VIP at all, so it never answers
or announces ARP for one. Packets the router forwards to it for a VIP are redirected to the
host's own address (the primary address of the interface they arrive on) in PREROUTING,
and connection tracking turns the replies' source back into the VIP.

Back ends, each a table or chain of the collection's own (nothing else is touched):

* ``nftables``: table ``inet lvs_cluster_redirect``, chain ``prerouting`` (type nat hook
  prerouting priority dstnat), one rule per VIP, ``ip daddr VIP redirect`` or
  ``ip6 daddr VIP redirect``; read with ``nft -j`` and compared as data, replaced as a
  whole in one ``nft -f -`` transaction, deleted when no VIP is wanted.
* ``iptables`` (also ``iptables-legacy`` / ``iptables-nft``): per address family the chain
  ``LVS_CLUSTER_REDIRECT`` of the nat table, one rule ``-d VIP/32 -j REDIRECT`` (``/128``)
  per VIP, and exactly one jump to it, first in PREROUTING; read with ``ip[6]tables-save
  -t nat``, rewritten with one ``ip[6]tables-restore --noflush`` per family (checked on
  Debian 12's iptables 1.8.9, legacy and nft: declaring the existing chain flushes it, the
  other chains stay; deleting a chain that is not there fails the whole transaction).

The files the real_server role loads at boot come from the same renderers
(nft_boot_file, ipt_boot_file), so the controller knows them before the module runs.

No Ansible imports; standard library only; Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import shlex

from ansible_collections.lvs.cluster.plugins.module_utils import nftables
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    FAMILIES,
    address,
    address_sort_key,
    fail,
    state as parse_state,
)

NFT_TABLE = "lvs_cluster_redirect"
NFT_CHAIN = "prerouting"
# (type, hook, prio, policy) as nft -j lists the chain: priority dstnat is -100
NFT_CHAIN_SPEC = ("nat", "prerouting", -100, "accept")
NFT_COMMENT = "managed by lvs.cluster (vip_redirect)"
NFT_PROTOCOL = {"ipv4": "ip", "ipv6": "ip6"}
IPT_CHAIN = "LVS_CLUSTER_REDIRECT"
IPT_JUMP = "-j %s" % IPT_CHAIN
IPT_TOOL = {"ipv4": "iptables", "ipv6": "ip6tables"}
PREFIX = {"ipv4": 32, "ipv6": 128}
_TARGET_FLAGS = ("-j", "--jump", "-g", "--goto")


def family_of(vip):
    """'ipv4' or 'ipv6' of a normalised address."""
    return address("vips", vip)[1]


def validate(vips, state):
    """Check the module's options; return (vips sorted and normalised, state)."""
    state = parse_state("state", state)
    clean = set()
    for index, vip in enumerate(vips or []):
        option = "vips[%d]" % index
        text, _family = address(option, vip)
        parsed = ipaddress.ip_address(text)
        if parsed.is_unspecified or parsed.is_loopback or parsed.is_multicast or text == "255.255.255.255":
            fail(option, vip, "cannot be a VIP (unspecified, loopback, multicast or broadcast)")
        clean.add(text)
    if state == "present" and not clean:
        fail("vips", vips, "state=present needs at least one VIP")
    return sorted(clean, key=address_sort_key), state


def desired_vips(current, vips, state, purge):
    """The sorted VIPs to converge to, from the VIPs redirected now and validated input."""
    vips = set(vips)
    if state == "present":
        wanted = vips if purge else set(current) | vips
    elif purge or not vips:
        wanted = set()
    else:
        wanted = set(current) - vips
    return sorted(wanted, key=address_sort_key)


class FamilyChain(object):
    """One address family of the iptables back ends, as ip[6]tables-save printed it.

    rules:   our chain's rules (without '-A LVS_CLUSTER_REDIRECT'), each with its VIP, or
             None for a rule that is not in canonical form or repeats a VIP
    jumps:   the numbers (1 = first) of the rules '-j LVS_CLUSTER_REDIRECT' in PREROUTING
    foreign: (chain, spec) of any other rule that jumps (or goes) to our chain
    """

    def __init__(self, chain=False, rules=None, jumps=None, foreign=None):
        self.chain = chain
        self.rules = list(rules or [])
        self.jumps = list(jumps or [])
        self.foreign = list(foreign or [])

    def vips(self):
        return [vip for _spec, vip in self.rules if vip is not None]

    def exists(self):
        return self.chain or bool(self.jumps) or bool(self.foreign)

    def canonical(self, wanted):
        """True if the family is exactly what wanted (VIPs of this family) needs."""
        return (self.chain and self.jumps == [1] and not self.foreign
                and all(vip is not None for _spec, vip in self.rules)
                and set(self.vips()) == set(wanted))


class RedirectState(object):
    """The collection's redirect rules as found.

    vips:     the VIPs redirected by a rule in canonical form, sorted
    stale:    what is in the collection's table or chains that is not canonical (rules of
              another shape, repeated VIPs, wrong chains, extra or misplaced jumps): always
              removed on apply
    present:  the table (nftables) or a chain of any family (iptables) exists
    families: iptables: family -> FamilyChain
    """

    def __init__(self, vips=None, stale=None, present=False, families=None):
        self.vips = sorted(set(vips or ()), key=address_sort_key)
        self.stale = list(stale or ())
        self.present = present
        self.families = dict(families or {})

    def as_dict(self):
        return {"vips": list(self.vips), "stale": list(self.stale)}


# ---------------------------------------------------------------- nftables

def nft_rule_text(vip):
    return "%s daddr %s redirect" % (NFT_PROTOCOL[family_of(vip)], vip)


def render_nft_table(vips):
    """The whole table as nft syntax ('' for no VIPs): what the nftables back end writes."""
    if not vips:
        return ""
    lines = ["table inet %s {" % NFT_TABLE, '\tcomment "%s"' % NFT_COMMENT,
             "\tchain %s {" % NFT_CHAIN,
             "\t\ttype nat hook prerouting priority dstnat; policy accept;"]
    lines += ["\t\t%s" % nft_rule_text(vip) for vip in sorted(vips, key=address_sort_key)]
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def nft_boot_file(vips):
    """The file nft -f loads at boot: the table replaced whole whether or not it exists
    ('table' first, so 'delete' never fails); '' for no VIPs."""
    body = render_nft_table(vips)
    return nftables.replace_script("inet", NFT_TABLE, body, True) if body else ""


def nft_script(current, desired):
    """Input for ``nft -f -``: the whole table replaced (or deleted) in one transaction."""
    return nftables.replace_script("inet", NFT_TABLE, render_nft_table(desired), current.present)


def _nft_vip(rule):
    """The VIP of a JSON rule of our chain in canonical form, else None (counters allowed:
    they do not change what a rule does)."""
    if rule.get("comment") is not None or not isinstance(rule.get("expr"), list):
        return None
    vip = redirect = None
    for expr in rule["expr"]:
        if not isinstance(expr, dict) or len(expr) != 1:
            return None
        if "counter" in expr:
            continue
        if "redirect" in expr and redirect is None and expr["redirect"] is None:
            redirect = True
            continue
        match = expr.get("match")
        if vip is not None or redirect is not None or not isinstance(match, dict):
            return None
        left = match.get("left")
        payload = left.get("payload") if isinstance(left, dict) else None
        if (match.get("op") != "==" or not isinstance(payload, dict) or payload.get("field") != "daddr"
                or payload.get("protocol") not in ("ip", "ip6") or not isinstance(match.get("right"), str)):
            return None
        try:
            vip, family = address("listing", match["right"])
        except ValueError:  # a ValidationError: not ours in shape
            return None
        if NFT_PROTOCOL[family] != payload["protocol"]:
            return None
    return vip if redirect else None


def parse_nft_json(text):
    """RedirectState from ``nft -j list table inet lvs_cluster_redirect`` ('' = no table)."""
    if not text.strip():
        return RedirectState()
    try:
        data = json.loads(text)
    except ValueError as error:
        raise CommandError("nft -j list table inet %s printed what is not JSON (%s)" % (NFT_TABLE, error))
    vips, stale = [], []
    chains = nftables.chains_of(data)
    if chains != {NFT_CHAIN: NFT_CHAIN_SPEC}:
        stale.append({"chain": "*", "rule": "chains %s" % json.dumps(chains, sort_keys=True)})
    for rule in nftables.rules_of(data):
        vip = _nft_vip(rule) if rule.get("chain") == NFT_CHAIN else None
        if vip is None or vip in vips:
            stale.append({"chain": rule.get("chain"), "handle": rule.get("handle"),
                          "rule": json.dumps(rule.get("expr", []), sort_keys=True)})
        else:
            vips.append(vip)
    return RedirectState(vips=vips, stale=stale, present=True)


def nft_needs_change(current, desired):
    if not desired:
        return current.present
    return not current.present or bool(current.stale) or current.vips != list(desired)


def render_nft_current(state):
    """Canonical text of the table as read (stale items flagged), for diff."""
    text = render_nft_table(state.vips) if state.present else ""
    if state.present and not state.vips:
        text = "table inet %s {}\n" % NFT_TABLE
    for item in state.stale:
        text += "# stale in %s: %s\n" % (item["chain"], item["rule"])
    return text


# ---------------------------------------------------------------- iptables

def ipt_rule_spec(vip):
    """Our rule for vip exactly as ``iptables-save`` prints it (without '-A CHAIN ')."""
    return "-d %s/%d -j REDIRECT" % (vip, PREFIX[family_of(vip)])


def _tokens(spec):
    try:
        return shlex.split(spec)
    except ValueError:
        return spec.split()


def _jumps_to_us(tokens):
    return any(flag in _TARGET_FLAGS and target == IPT_CHAIN for flag, target in zip(tokens, tokens[1:]))


def _ipt_vip(spec, family):
    """The VIP of one rule of our chain in canonical form, else None."""
    tokens = _tokens(spec)
    if len(tokens) != 4 or tokens[0] != "-d" or tokens[2:] != ["-j", "REDIRECT"]:
        return None
    try:
        network = ipaddress.ip_network(tokens[1], strict=True)
    except ValueError:
        return None
    if network.num_addresses != 1 or "ipv%d" % network.version != family:
        return None
    return network.network_address.compressed


def parse_iptables_save(text, family):
    """FamilyChain from ``iptables-save -t nat`` (family ipv4) or ``ip6tables-save -t nat``."""
    in_nat = False
    chain = False
    rules, jumps, foreign, seen = [], [], [], set()
    prerouting = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("*"):
            in_nat = line == "*nat"
            continue
        if not in_nat or not line or line.startswith("#"):
            continue
        if line.startswith(":%s " % IPT_CHAIN):
            chain = True
            continue
        if not line.startswith("-A "):
            continue
        name, _sep, spec = line[3:].partition(" ")
        if name == "PREROUTING":
            prerouting += 1
        if name == IPT_CHAIN:
            vip = _ipt_vip(spec, family)
            rules.append((spec, vip if vip not in seen else None))
            seen.add(vip)
        elif spec == IPT_JUMP and name == "PREROUTING":
            jumps.append(prerouting)
        elif _jumps_to_us(_tokens(spec)):
            foreign.append((name, spec))
    return FamilyChain(chain=chain, rules=rules, jumps=jumps, foreign=foreign)


def _ipt_stale(family, chain):
    stale = [{"family": family, "chain": IPT_CHAIN, "rule": spec} for spec, vip in chain.rules if vip is None]
    stale += [{"family": family, "chain": name, "rule": spec} for name, spec in chain.foreign]
    # the one jump is rule 1 of PREROUTING; any other is extra (or the only one, misplaced)
    stale += [{"family": family, "chain": "PREROUTING", "number": number, "rule": IPT_JUMP}
              for number in chain.jumps if number != 1]
    return stale


def merge_families(chains):
    """One RedirectState of the iptables back ends from {family: FamilyChain}."""
    vips, stale = [], []
    for family in FAMILIES:
        vips += chains[family].vips()
        stale += _ipt_stale(family, chains[family])
    return RedirectState(vips=vips, stale=stale, present=any(chains[family].chain for family in FAMILIES),
                         families=chains)


def _restore_input(body):
    return "*nat\n" + "".join(line + "\n" for line in body) + "COMMIT\n"


def ipt_restore_payload(current, desired, family):
    """Input for ``ip[6]tables-restore --noflush`` for one family; '' if it is already right.

    Wanted VIPs: the chain declared (which flushes it) and refilled, any other jump to it
    deleted, and unless the one jump already is rule 1 of PREROUTING, every jump deleted and
    one inserted first. None wanted: the jumps deleted, the chain flushed and deleted."""
    chain = current.families.get(family) or FamilyChain()
    wanted = [vip for vip in desired if family_of(vip) == family]
    deletes = ["-D %s %s" % (name, spec) for name, spec in chain.foreign]
    if not wanted:
        if not chain.exists():
            return ""
        body = deletes + ["-D PREROUTING %s" % IPT_JUMP] * len(chain.jumps)
        if chain.chain:
            body += ["-F %s" % IPT_CHAIN, "-X %s" % IPT_CHAIN]
        return _restore_input(body)
    if chain.canonical(wanted):
        return ""
    body = [":%s - [0:0]" % IPT_CHAIN] + ["-A %s %s" % (IPT_CHAIN, ipt_rule_spec(vip)) for vip in wanted]
    body += deletes
    if chain.jumps != [1]:
        body += ["-D PREROUTING %s" % IPT_JUMP] * len(chain.jumps) + ["-I PREROUTING 1 %s" % IPT_JUMP]
    return _restore_input(body)


def ipt_boot_file(vips, family):
    """The rules file ``ip[6]tables-restore --noflush`` loads at boot for one family: the
    chain declared (so flushed) and filled; '' when no VIP is of that family. The jump is
    the boot unit's business (a file loaded twice must not add a second one)."""
    wanted = [vip for vip in sorted(vips, key=address_sort_key) if family_of(vip) == family]
    if not wanted:
        return ""
    return _restore_input([":%s - [0:0]" % IPT_CHAIN] + ["-A %s %s" % (IPT_CHAIN, ipt_rule_spec(vip))
                                                         for vip in wanted])


def render_ipt(vips):
    """Canonical text of the rules for these VIPs, both families (for diff)."""
    out = []
    for family in FAMILIES:
        wanted = [vip for vip in vips if family_of(vip) == family]
        if wanted:
            out += ["# %s -t nat" % IPT_TOOL[family], "-A PREROUTING %s" % IPT_JUMP]
            out += ["-A %s %s" % (IPT_CHAIN, ipt_rule_spec(vip)) for vip in wanted]
    return "\n".join(out) + "\n" if out else ""


def render_ipt_current(state):
    """The rules as read, both families (for diff): canonical rules sorted as render_ipt
    prints them, anything else flagged."""
    out = []
    for family in FAMILIES:
        chain = state.families.get(family) or FamilyChain()
        if not chain.exists():
            continue
        out.append("# %s -t nat" % IPT_TOOL[family])
        out += ["-A PREROUTING %s%s" % (IPT_JUMP, "" if number == 1 else "  # rule %d of PREROUTING, not first"
                                        % number) for number in chain.jumps]
        out += ["-A %s %s  # stale" % (name, spec) for name, spec in chain.foreign]
        out += ["-A %s %s" % (IPT_CHAIN, ipt_rule_spec(vip)) for vip in sorted(chain.vips(), key=address_sort_key)]
        out += ["-A %s %s  # stale" % (IPT_CHAIN, spec) for spec, vip in chain.rules if vip is None]
    return "\n".join(out) + "\n" if out else ""
