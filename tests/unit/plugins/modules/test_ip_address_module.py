"""ip_address through its entry point (main): arguments as Ansible gives them, commands
answered from the listings recorded in a lab guest, files under a temporary root."""

import pytest

from ansible_collections.lvs.cluster.plugins.modules import ip_address

from module_harness import FakeRunner, run_module, undocumented_keys
from recorded import IP_ADDRESS, section

SHOW = "ip -j address show"


@pytest.fixture(autouse=True)
def root(tmp_path, monkeypatch):
    monkeypatch.setattr(ip_address.body, "ROOT", str(tmp_path))
    return tmp_path


def runner(title="lo", **more):
    answers = {SHOW: (0, section("listings.txt", title, IP_ADDRESS), ""),
               "ip address replace 192.0.2.10/32 dev lo": (0, "", "")}
    answers.update(more)
    return FakeRunner(answers)


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("diff", [True, False])
def test_add(root, check_mode, diff):
    fake = runner()
    result = run_module(ip_address, {"interface": "lo", "addresses": ["192.0.2.10"]}, fake,
                        check_mode=check_mode, diff=diff)
    assert not result["failed"] and result["changed"]
    assert result["commands"] == ["ip address replace 192.0.2.10/32 dev lo"]
    assert fake.commands()[1:] == ([] if check_mode else result["commands"])
    assert (root / "etc/lvs-cluster/addresses/lo").exists() != check_mode
    assert ("diff" in result) == diff
    assert undocumented_keys(ip_address, result) == set()


def test_missing_interface_fails_naming_it():
    fake = FakeRunner({SHOW: (0, section("listings.txt", "lo", IP_ADDRESS), "")})   # a host without tunl0
    result = run_module(ip_address, {"interface": "tunl0", "addresses": ["192.0.2.30"], "up": True}, fake)
    assert result["failed"] and not result["changed"]
    assert result["msg"] == "interface='tunl0': no such interface on this host"


def test_failure_keys():
    fake = runner(**{"ip address replace 192.0.2.10/32 dev lo": (2, "", "RTNETLINK answers: File exists\n")})
    result = run_module(ip_address, {"interface": "lo", "addresses": ["192.0.2.10"]}, fake)
    assert result["failed"] and result["applied"] == [] and result["rc"] == 2
    assert undocumented_keys(ip_address, result) == set()


def test_missing_executable():
    result = run_module(ip_address, {"interface": "lo", "addresses": ["192.0.2.10"]}, runner(), missing=("ip",))
    assert result["failed"] and "needs the executable 'ip'" in result["msg"]
