"""arp_vip_table renders, on the controller, exactly the table arptables_vip's nftables
back end builds (the same renderer), as a file that replaces the table when loaded."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.arp_vip import arp_vip_table
from ansible_collections.lvs.cluster.plugins.module_utils import arp_suppression as arp


def test_the_file_is_the_modules_table_replaced_whole():
    text = arp_vip_table(["192.0.2.20", "192.0.2.10", "192.0.2.10"], "198.51.100.21")
    lines = text.splitlines()
    assert lines[:3] == ["table arp lvs_cluster_vip", "delete table arp lvs_cluster_vip",
                         "table arp lvs_cluster_vip {"]
    module_table = arp.render_nft_table(arp.ArpState(
        drops={"192.0.2.10", "192.0.2.20"},
        mangles={("192.0.2.10", "198.51.100.21"), ("192.0.2.20", "198.51.100.21")}, present=True))
    assert text.split("\n", 2)[2] == module_table
    assert sum("drop" in line for line in lines) == 2


def test_no_vips_no_file_and_bad_input_named():
    assert arp_vip_table([], "198.51.100.21") == ""
    with pytest.raises(AnsibleFilterError, match=r"vips\[0\]='2001:db8::1'"):
        arp_vip_table(["2001:db8::1"], "198.51.100.21")
