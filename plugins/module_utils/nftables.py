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

import json

from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError


def read_table(run, nft, family, table):
    """The JSON listing of the table (as ``nft -j list table`` prints it); '' when it does
    not exist. Read from the whole ruleset: one command serves every table a host's parts
    check (the drift module runs a repeated read once; each nft costs 0.4-0.5 s on a slow
    host)."""
    return table_listing(read_ruleset(run, nft, "table %s %s" % (family, table)), family, table)


def read_ruleset(run, nft, wanted="ruleset"):
    """The objects of ``nft -j list ruleset``; a failure names what was wanted of it (say
    'table arp lvs_cluster_vip')."""
    rc, out, err = run([nft, "-j", "list", "ruleset"])
    if rc != 0:
        raise CommandError("reading the nftables %s failed: %s" % (wanted, err.strip()), rc=rc, stderr=err)
    try:
        return json.loads(out or "{}").get("nftables", [])
    except ValueError as error:
        raise CommandError("nft -j list ruleset printed what is not JSON: %s" % error)


def table_listing(items, family, table):
    """The JSON text ``nft -j list table FAMILY TABLE`` prints, from the objects of a
    ruleset's listing (each names its family and table); '' when there is no such table."""
    def of_table(item):
        kind = next((key for key in item if key != "metainfo"), None)
        body = item.get(kind) if kind else None
        if not isinstance(body, dict) or body.get("family") != family:
            return False
        return body.get("name" if kind == "table" else "table") == table
    mine = [item for item in items if of_table(item)]
    if not any("table" in item for item in mine):
        return ""
    return json.dumps({"nftables": [item for item in items if "metainfo" in item] + mine})


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
        items = read_ruleset(self.run, self.nft, "table %s %s" % ("/".join(self.families), self.table))
        return self.parse(dict((family, table_listing(items, family, self.table)) for family in self.families))
