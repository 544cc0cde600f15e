# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The back ends of vip_redirect (read -> plan -> apply, see rules.converge).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import nftables, redirect_rules as rr
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError
from ansible_collections.lvs.cluster.plugins.module_utils.fwmark_backends import IPT_TOOLS
from ansible_collections.lvs.cluster.plugins.module_utils.validation import FAMILIES

BACKENDS = ("nftables", "iptables", "iptables-legacy", "iptables-nft")


class NftRedirect(nftables.NftTable):
    """nftables: the table inet lvs_cluster_redirect."""

    family, table = "inet", rr.NFT_TABLE
    parse = staticmethod(rr.parse_nft_json)
    needs_change = staticmethod(rr.nft_needs_change)
    script = staticmethod(rr.nft_script)
    render_current = staticmethod(rr.render_nft_current)
    render = staticmethod(rr.render_nft_table)


class IptablesRedirect(object):
    """iptables: the chain LVS_CLUSTER_REDIRECT of the nat table, one restore per family."""

    def __init__(self, run, save, restore):
        self.run = run
        self.save = save          # family -> path of ip[6]tables-save
        self.restore = restore    # family -> path of ip[6]tables-restore

    def read(self):
        chains = {}
        for family in FAMILIES:
            rc, out, err = self.run([self.save[family], "-t", "nat"])
            if rc != 0:
                raise CommandError("%s -t nat failed (%s); does the kernel support this back end?"
                                   % (self.save[family], err.strip()), rc=rc, stderr=err)
            chains[family] = rr.parse_iptables_save(out, family)
        return rr.merge_families(chains)

    def plan(self, current, desired):
        steps = []
        for family in FAMILIES:
            payload = rr.ipt_restore_payload(current, desired, family)
            if payload:
                steps.append(([self.restore[family], "--noflush"], payload))
        return steps

    render_current = staticmethod(rr.render_ipt_current)
    render = staticmethod(rr.render_ipt)

    @staticmethod
    def note(argv, err):
        return "A restore is one transaction per address family: that family is unchanged."


def backend(name, run, which):
    """The back end called name; which(executable) -> its path on the target."""
    if name == "nftables":
        return NftRedirect(run, which("nft"))
    tools = IPT_TOOLS[name]
    return IptablesRedirect(run, dict((family, which(tool + "-save")) for family, tool in tools.items()),
                            dict((family, which(tool + "-restore")) for family, tool in tools.items()))
