"""vip_redirect_file renders, on the controller, the rules vip_redirect keeps (the same
renderers) as the files a real server loads at boot: the nft table replaced whole, and one
rules file per family for ip[6]tables-restore --noflush."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.vip_redirect import FilterModule, vip_redirect_file
from ansible_collections.lvs.cluster.plugins.module_utils import redirect_rules as rr

VIPS = ["2001:db8:2::10", "192.0.2.20", "192.0.2.10", "192.0.2.10"]


def test_the_nft_file_is_the_modules_table_replaced_whole():
    text = vip_redirect_file(VIPS)
    assert text == vip_redirect_file(VIPS, "nftables")
    lines = text.splitlines()
    assert lines[:3] == ["table inet lvs_cluster_redirect", "delete table inet lvs_cluster_redirect",
                         "table inet lvs_cluster_redirect {"]
    assert text.split("\n", 2)[2] == rr.render_nft_table(["192.0.2.10", "192.0.2.20", "2001:db8:2::10"])
    assert [line.strip() for line in lines if line.endswith(" redirect")] == [
        "ip daddr 192.0.2.10 redirect", "ip daddr 192.0.2.20 redirect", "ip6 daddr 2001:db8:2::10 redirect"]


@pytest.mark.parametrize("backend", ["iptables", "iptables-legacy", "iptables-nft"])
def test_one_rules_file_per_family(backend):
    assert vip_redirect_file(VIPS, backend, "ipv4") == (
        "*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n"
        "-A LVS_CLUSTER_REDIRECT -d 192.0.2.10/32 -j REDIRECT\n"
        "-A LVS_CLUSTER_REDIRECT -d 192.0.2.20/32 -j REDIRECT\nCOMMIT\n")
    assert vip_redirect_file(VIPS, backend, "IPv6") == (
        "*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n-A LVS_CLUSTER_REDIRECT -d 2001:db8:2::10/128 -j REDIRECT\nCOMMIT\n")
    assert vip_redirect_file(["192.0.2.10"], backend, "ipv6") == ""


def test_no_vips_no_file():
    assert vip_redirect_file([]) == "" and vip_redirect_file([], "iptables", "ipv4") == ""


@pytest.mark.parametrize("args, message", [
    ((["lb"],), "vip_redirect_file: vips[0]='lb': is not an IPv4 or IPv6 address"),
    ((VIPS, "ipfw"), "vip_redirect_file: backend='ipfw': must be one of nftables, iptables"),
    ((VIPS, "iptables"), "vip_redirect_file: family=None: backend=iptables needs the file's family, ipv4 or ipv6"),
    ((VIPS, "iptables", "inet"), "vip_redirect_file: family='inet': must be one of ipv4, ipv6"),
    ((VIPS, "nftables", "ipv4"), "vip_redirect_file: family='ipv4': only the iptables back ends keep one file"),
    (([], "iptables"), "vip_redirect_file: family=None: backend=iptables needs"),
])
def test_bad_input_is_named(args, message):
    with pytest.raises(AnsibleFilterError) as error:
        vip_redirect_file(*args)
    assert str(error.value).startswith(message)


def test_the_filter_is_exported():
    assert FilterModule().filters() == {"vip_redirect_file": vip_redirect_file}
