# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nftables pieces the ARP, fwmark and NAT masquerading back ends share: a table of the
collection's own (or one per address family), read as JSON and replaced as a whole (or
deleted) in one ``nft -f -`` transaction.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError


def read_table(run, nft, family, table):
    """The JSON listing of the table; '' when it does not exist."""
    rc, out, err = run([nft, "-j", "list", "table", family, table])
    if rc != 0:
        if "No such file or directory" in err:
            return ""
        raise CommandError("reading the nftables table %s %s failed: %s" % (family, table, err.strip()),
                           rc=rc, stderr=err)
    return out


def chains_of(data):
    """{chain name: (type, hook, prio, policy)} of a parsed ``nft -j list table``."""
    chains = {}
    for item in data.get("nftables", []):
        if "chain" in item:
            chain = item["chain"]
            chains[chain.get("name")] = (chain.get("type"), chain.get("hook"), chain.get("prio"),
                                         chain.get("policy"))
    return chains


def rules_of(data):
    """The rule objects of a parsed ``nft -j list table``."""
    return [item["rule"] for item in data.get("nftables", []) if item.get("rule")]


def replace_script(family, table, body, present):
    """Input for ``nft -f -``: the table replaced by body (its whole text), or deleted when body
    is empty; '' when there is nothing to do. One transaction either way."""
    if not body:
        return "delete table %s %s\n" % (family, table) if present else ""
    # 'table' first so 'delete' never fails on a missing table
    return "table %s %s\ndelete table %s %s\n" % (family, table, family, table) + body


class NftTable(object):
    """A back end (see rules.converge) that owns one table: read it, replace it as a whole.

    A subclass names family and table, and gives the functions of its rules: parse (JSON
    text -> state), needs_change(current, desired), script(current, desired) -> text for
    nft -f, render_current(state) and render(desired) for diff.
    """

    family = table = None

    def __init__(self, run, nft):
        self.run = run
        self.nft = nft

    def read(self):
        return self.parse(read_table(self.run, self.nft, self.family, self.table))

    def plan(self, current, desired):
        script = self.script(current, desired) if self.needs_change(current, desired) else ""
        return [([self.nft, "-f", "-"], script)] if script else []

    @staticmethod
    def note(argv, err):
        return "nft -f is one transaction: nothing of it was applied"


class NftFamilyTables(NftTable):
    """A back end that owns the table of one name in several families (say ip and ip6): each
    read on its own, all replaced or deleted together, in one transaction.

    As NftTable, but parse takes {family: JSON text ('' = no table)} and script writes the
    input of the one ``nft -f -`` for every family that needs a change."""

    families = ()

    def read(self):
        return self.parse(dict((family, read_table(self.run, self.nft, family, self.table))
                               for family in self.families))
