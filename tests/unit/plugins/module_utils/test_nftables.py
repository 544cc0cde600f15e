"""A table cut out of the whole ruleset (one ``nft -j list ruleset`` serves every table a
host's parts read) is what ``nft -j list table`` prints for it: on a ruleset recorded from
this host's nftables (tests/unit/fixtures/nftables/record.sh) with a table of the same name
in another family and a table of the host's own with a set."""

import json

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import nftables
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError

from recorded import FIXTURES, section

NFTABLES = FIXTURES / "nftables"
RULESET = section("ruleset.txt", "list ruleset", NFTABLES)


def items():
    return json.loads(RULESET)["nftables"]


@pytest.mark.parametrize("family, table", [
    ("inet", "lvs_cluster_fwmark"), ("ip", "lvs_cluster_nat"), ("ip6", "lvs_cluster_nat"), ("inet", "filter")])
def test_a_table_cut_out_of_the_ruleset_is_its_own_listing(family, table):
    listed = json.loads(section("ruleset.txt", "list table %s %s" % (family, table), NFTABLES))
    assert json.loads(nftables.table_listing(items(), family, table)) == listed


@pytest.mark.parametrize("family, table", [("ip", "lvs_cluster_fwmark"), ("arp", "lvs_cluster_vip"), ("inet", "lvs_cluster_nat")])
def test_a_table_the_ruleset_lacks_is_empty(family, table):
    assert nftables.table_listing(items(), family, table) == ""


def test_read_table_is_one_ruleset_read_and_a_failed_read_names_it():
    calls = []

    def run(argv):
        calls.append(argv)
        return 0, RULESET, ""
    assert nftables.read_table(run, "/usr/sbin/nft", "ip", "lvs_cluster_nat") == nftables.table_listing(
        items(), "ip", "lvs_cluster_nat")
    assert calls == [["/usr/sbin/nft", "-j", "list", "ruleset"]]
    with pytest.raises(CommandError, match="^reading the nftables table ip t failed: Error: Operation not permitted$"):
        nftables.read_table(lambda argv: (1, "", "Error: Operation not permitted\n"), "nft", "ip", "t")
