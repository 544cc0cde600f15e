# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router's nftables file: the firewall marks of the fwmark services (the very table
the fwmark module builds) and the masquerading of NAT real servers' own traffic (the very
tables the nat_masquerade module builds).

The file replaces each of the collection's tables as a whole (``table T`` + ``delete table
T`` + its body, one ``nft -f`` transaction), so loading it at boot or again after a change
is idempotent and never touches another tool's tables.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import fwmark_rules, nat_masquerade

NAT_TABLE = nat_masquerade.NFT_TABLE
HEADER = ("#!/usr/sbin/nft -f\n"
          "# Written by lvs.cluster's router role; loaded at boot by lvs-cluster-router-nftables.service.\n")


def _replaced(family, table, body):
    """table + delete first, so the file loads whether or not the table exists; an empty
    body leaves the table removed."""
    return "table %s %s\ndelete table %s %s\n" % (family, table, family, table) + body


def fwmark_table(marks):
    """The fwmark module's table for these marks (its ``marks`` option), replaced whole."""
    state, wanted = fwmark_rules.validate(marks, "present") if marks else ("present", {})
    rules = fwmark_rules.desired_rules([], wanted, state, True)
    return _replaced("inet", fwmark_rules.NFT_TABLE, fwmark_rules.render_nft_table(rules))


def nat_tables(nat_address, public_interface):
    """The masquerading table's text per nftables family ({"ip": ..., "ip6": ...}; "" where
    the table must be absent): what the NAT real servers send out by themselves (updates,
    DNS) is masqueraded, their subnet being the floating NAT address's network. nat_address
    is (address, prefix length, family) or None.

    The text is the nat_masquerade module's (module_utils/nat_masquerade), which compares
    the live tables as data: a router converged by the module and one booted from this file
    hold the same tables."""
    network = "%s/%d" % nat_address[:2] if nat_address else None
    return nat_masquerade.tables_text(nat_masquerade.validate(network, public_interface))


def masquerade_table(nat_address, public_interface):
    """The masquerading table of each family, replaced whole (removed where not wanted)."""
    bodies = nat_tables(nat_address, public_interface)
    return "".join(_replaced(family, NAT_TABLE, bodies[family]) for family in ("ip", "ip6"))


def render(marks, nat_address, public_interface):
    return HEADER + fwmark_table(marks) + masquerade_table(nat_address, public_interface)
