# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vips | lvs.cluster.arp_vip_table(real_ip): the arptables_vip module's nftables table for
these VIPs, as a file nft -f loads at boot, rendered on the controller by the module's own
code (plugins/module_utils/arp_suppression.py), so it is known before the module runs and
check mode predicts the file exactly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.module_utils import arp_suppression as arp
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError


def arp_vip_table(vips, real_ip):
    if not vips:
        return ""
    try:
        vips, real_ip, state = arp.validate(vips, real_ip, "present")
    except ValidationError as error:
        raise AnsibleFilterError("arp_vip_table: %s" % error)
    desired = arp.desired_state(arp.ArpState(), vips, real_ip, state, True)
    # table + delete first: loading the file replaces the table whether or not it exists
    return "table arp {0}\ndelete table arp {0}\n".format(arp.NFT_TABLE) + arp.render_nft_table(desired)


class FilterModule(object):
    def filters(self):
        return {"arp_vip_table": arp_vip_table}
