# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The back ends of fwmark (read -> plan -> apply, see rules.converge).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import fwmark_rules as fw
from ansible_collections.lvs.cluster.plugins.module_utils import nftables
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError

BACKENDS = ("nftables", "iptables", "iptables-legacy", "iptables-nft")
# back end -> the tool of each family; -save and -restore are appended
IPT_TOOLS = {
    "iptables": {"ipv4": "iptables", "ipv6": "ip6tables"},
    "iptables-legacy": {"ipv4": "iptables-legacy", "ipv6": "ip6tables-legacy"},
    "iptables-nft": {"ipv4": "iptables-nft", "ipv6": "ip6tables-nft"},
}


def _nft_script(current, rules):
    return fw.nft_script(current.present, rules)


class NftFwmark(nftables.NftTable):
    """nftables: the table inet lvs_cluster_fwmark."""

    family, table = "inet", fw.NFT_TABLE
    parse = staticmethod(fw.parse_nft_json)
    needs_change = staticmethod(fw.nft_needs_change)
    script = staticmethod(_nft_script)
    render_current = staticmethod(fw.render_nft_current)
    render = staticmethod(fw.render_nft_table)


class IptablesFwmark(object):
    """iptables: the chain LVS_CLUSTER_FWMARK of the mangle table, one restore per family."""

    def __init__(self, run, save, restore):
        self.run = run
        self.save = save          # family -> path of ip[6]tables-save
        self.restore = restore    # family -> path of ip[6]tables-restore

    def read(self):
        states = {}
        for family in ("ipv4", "ipv6"):
            rc, out, err = self.run([self.save[family], "-t", "mangle"])
            if rc != 0:
                raise CommandError("%s -t mangle failed (%s); does the kernel support this back end?"
                                   % (self.save[family], err.strip()), rc=rc, stderr=err)
            states[family] = fw.parse_iptables_save(out, family)
        return fw.merge_families(states["ipv4"], states["ipv6"])

    def plan(self, current, rules):
        steps = []
        for family in ("ipv4", "ipv6"):
            payload = fw.ipt_restore_payload(current, rules, family)
            if payload:
                steps.append(([self.restore[family], "--noflush"], payload))
        return steps

    render_current = render = staticmethod(fw.render_ipt)

    @staticmethod
    def note(argv, err):
        return "A restore is one transaction per address family: that family is unchanged."


def backend(name, run, which):
    """The back end called name; which(executable) -> its path on the target."""
    if name == "nftables":
        return NftFwmark(run, which("nft"))
    tools = IPT_TOOLS[name]
    return IptablesFwmark(run, dict((family, which(tool + "-save")) for family, tool in tools.items()),
                          dict((family, which(tool + "-restore")) for family, tool in tools.items()))
