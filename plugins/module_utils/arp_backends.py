# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The back ends of arptables_vip (read -> plan -> apply, see rules.converge).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import arp_suppression as arp
from ansible_collections.lvs.cluster.plugins.module_utils import nftables
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError

BACKENDS = ("arptables", "arptables-legacy", "arptables-nft", "nftables")


class Arptables(object):
    """arptables (any flavour): two chains of the collection's, changed by single commands."""

    def __init__(self, run, binary):
        self.run = run
        self.binary = binary

    def read(self):
        rc, out, err = self.run([self.binary, "-L", "-n", "--line-numbers"])
        if rc != 0:
            raise CommandError("%s -L failed (%s); does the kernel support this arptables back end?"
                               % (self.binary, err.strip()), rc=rc, stderr=err)
        return arp.read_arptables(out)

    def plan(self, current, desired):
        return [([self.binary] + argv, None) for argv in arp.plan_arptables(current, desired)]

    render_current = render = staticmethod(arp.render_arptables)

    @staticmethod
    def note(argv, err):
        # single commands: what ran before the failed one stays; a second run converges
        hint = "Run the module again to converge."
        if "Operation not supported" in err:
            hint += " The kernel lacks what this back end needs; try backend=arptables-legacy."
        return hint


class NftArp(nftables.NftTable):
    """nftables: the table arp lvs_cluster_vip."""

    family, table = "arp", arp.NFT_TABLE
    parse = staticmethod(arp.parse_nft_json)
    needs_change = staticmethod(arp.nft_needs_change)
    script = staticmethod(arp.nft_script)
    render_current = staticmethod(arp.render_nft_current)
    render = staticmethod(arp.render_nft_table)


def backend(name, run, which):
    """The back end called name; which(executable) -> its path on the target."""
    if name == "nftables":
        return NftArp(run, which("nft"))
    return Arptables(run, which(name))
