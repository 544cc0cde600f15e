"""nat_masquerade against the real kernel: its entry point run in a network namespace made
for each test (and deleted after it, whatever happens), so the host's own ruleset is never
read or touched. Apply (predicted by check mode), a second run changing nothing, a table
deleted or edited by hand healed, the other family, removal, another tool's NAT tables in
both families left as they were, and the router's boot file holding what the module wants.

Runs as root with `ip netns` and a kernel whose nf_tables has NAT for ip and ip6 (make
setup installs iproute2 and nftables); skipped otherwise, saying which is missing."""

import itertools
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import nat_masquerade as nat, router_nftables
from ansible_collections.lvs.cluster.plugins.modules import nat_masquerade

from module_harness import run_module

V4 = {"network": "198.51.100.0/24", "interface": "vec0"}
V6 = {"network": "2001:db8:100::/64", "interface": "vec0"}
C_LOCALE = dict(os.environ, LC_ALL="C", LANG="C")
# another tool's NAT tables, one per family, each with a masquerade of its own
OTHERS = """
table ip other_nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr 10.0.0.0/8 masquerade
    }
}
table ip6 other_nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        ip6 saddr fd00::/8 masquerade
    }
}
"""
_NAMES = itertools.count()


def _run(argv, data=None):
    done = subprocess.run(argv, input=data, capture_output=True, text=True, env=C_LOCALE, timeout=30, check=False)
    return done.returncode, done.stdout, done.stderr


def _new_namespace():
    name = "lvsnat-test-%d-%d" % (os.getpid(), next(_NAMES))
    rc, _out, err = _run(["ip", "netns", "add", name])
    return name, rc, err


def _why_not():
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (it makes network namespaces and loads nftables tables in them)"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            return "needs %s on PATH (make setup installs iproute2 and nftables)" % tool
    name, rc, err = _new_namespace()
    if rc != 0:
        return "`ip netns add` failed: %s" % err.strip()
    try:
        rc, _out, err = _run(["ip", "netns", "exec", name, "nft", "-f", "-"], OTHERS)
        if rc != 0:
            return "the kernel's nf_tables cannot load a nat chain for ip and ip6: %s" % err.strip()
    finally:
        _run(["ip", "netns", "del", name])
    return None


@pytest.fixture(scope="module")
def usable():
    why = _why_not()
    if why:
        pytest.skip(why)


@pytest.fixture
def netns(usable):
    name, rc, err = _new_namespace()
    assert rc == 0, err
    try:
        yield name
    finally:
        _run(["ip", "netns", "del", name])


class NetnsRunner:
    """Runs the module's commands in the namespace, as AnsibleModule.run_command would."""

    def __init__(self, name):
        self.name = name

    def run_command(self, args, data=None, **_kwargs):
        program = shutil.which(os.path.basename(args[0])) or args[0]
        return _run(["ip", "netns", "exec", self.name, program] + list(args[1:]), data)


def nft(netns, *args, data=None):
    rc, out, err = _run(["ip", "netns", "exec", netns, "nft"] + list(args), data)
    assert rc == 0, err
    return out


def module(netns, args, check_mode=False):
    result = run_module(nat_masquerade, args, NetnsRunner(netns), check_mode=check_mode, diff=True)
    assert not result["failed"], result["msg"]
    return result


def live(netns):
    """The collection's tables as the module reads them."""
    texts = {}
    for family in nat.FAMILIES:
        rc, out, err = _run(["ip", "netns", "exec", netns, "nft", "-j", "list", "table", family, nat.NFT_TABLE])
        assert rc == 0 or "No such file or directory" in err, err
        texts[family] = out if rc == 0 else ""
    return nat.parse_nft_json(texts)


def others(netns):
    """Another tool's tables, without the metainfo that names the nft version."""
    return [json.loads(nft(netns, "-j", "list", "table", family, "other_nat"))["nftables"][1:]
            for family in ("ip", "ip6")]


def test_check_mode_predicts_the_apply_and_a_second_run_changes_nothing(netns):
    predicted = module(netns, V4, check_mode=True)
    assert predicted["changed"] and live(netns).present == set()
    done = module(netns, V4)
    assert done["changed"] and done["commands"] == predicted["commands"] and done["diff"] == predicted["diff"]
    found = live(netns)
    assert found.present == {"ip"} and found.rules == nat.validate(**V4) and found.stale == []
    again = module(netns, V4)
    assert not again["changed"] and again["commands"] == [] and again["before"] == done["rules"]
    assert not module(netns, V4, check_mode=True)["changed"]


def test_a_table_deleted_by_hand_is_healed(netns):
    module(netns, V4)
    nft(netns, "delete", "table", "ip", nat.NFT_TABLE)
    assert module(netns, V4, check_mode=True)["changed"]
    assert module(netns, V4)["changed"]
    assert live(netns).rules == nat.validate(**V4)
    assert not module(netns, V4)["changed"]


@pytest.mark.parametrize("edit", [
    ["add", "rule", "ip", nat.NFT_TABLE, "postrouting", "ip", "saddr", "203.0.113.0/24", "masquerade"],
    ["add", "set", "ip", nat.NFT_TABLE, "hosts", "{ type ipv4_addr; }"],
    ["add", "table", "ip", nat.NFT_TABLE, "{ flags dormant; }"],
    ["add", "chain", "ip", nat.NFT_TABLE, "postrouting", "{ policy drop; }"],
])
def test_a_table_edited_by_hand_is_healed(netns, edit):
    module(netns, V4)
    nft(netns, *edit)
    assert live(netns).stale, "the edit shows in the listing"
    healed = module(netns, V4)
    assert healed["changed"] and healed["stale"]
    found = live(netns)
    assert found.rules == nat.validate(**V4) and found.stale == []
    assert not module(netns, V4)["changed"]


def test_other_family_and_removal_leave_another_tools_tables_alone(netns):
    nft(netns, "-f", "-", data=OTHERS)
    before = others(netns)
    module(netns, V4)
    switched = module(netns, V6)
    assert switched["changed"] and len(switched["commands"]) == 1      # one transaction, both families
    found = live(netns)
    assert found.present == {"ip6"} and found.rules == nat.validate(**V6)
    assert not module(netns, V6)["changed"]
    assert others(netns) == before
    removed = module(netns, {"network": None})
    assert removed["changed"] and live(netns).present == set()
    assert not module(netns, {"network": None})["changed"]
    assert others(netns) == before


def test_the_routers_boot_file_holds_what_the_module_wants(netns, tmp_path):
    for nat_address, args in ((("198.51.100.1", 24, "ipv4"), V4), (("2001:db8:100::1", 64, "ipv6"), V6)):
        path = tmp_path / "router.nft"
        path.write_text(router_nftables.render([], nat_address, "vec0"))
        nft(netns, "-f", str(path))
        result = module(netns, args)
        assert not result["changed"], result["commands"]
