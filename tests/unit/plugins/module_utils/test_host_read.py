"""host_read: the one command line the roles read a host with (no Python on it), and its
output parsed on the controller - on output recorded from the lab's router1 (keepalived's
VIPs on it) and rs1 (tests/unit/fixtures/host_read/record.sh), and the line run for real by
this machine's own shell."""

import ipaddress
import subprocess
from unittest import mock

import pytest

from ansible_collections.lvs.cluster.plugins.action.host_read import ActionModule
from ansible_collections.lvs.cluster.plugins.module_utils import host_read
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_host_checks import interface_networks
from ansible_collections.lvs.cluster.plugins.module_utils.host_read import HostReadError

from recorded import FIXTURES


def recorded(host):
    return (FIXTURES / "host_read" / ("%s.txt" % host)).read_text(encoding="utf-8")


def test_a_router_with_vips_read():
    read = host_read.parse(recorded("router1"))
    assert read["os_family"] == "Debian"
    assert read["os_release"] == {"id": "debian", "version_id": "12"}
    assert [link["ifname"] for link in read["addresses"]] == ["lo", "vec0", "vec1", "vec2"]
    vec1 = next(link for link in read["addresses"] if link["ifname"] == "vec1")
    assert vec1["addresses"] == ["192.0.2.11", "192.0.2.10", "192.0.2.30", "2001:db8:2::11", "fe80::4c:56ff:fe00:101"]
    # in the shape of Ansible's facts of an interface: the first IPv4 address, the others
    # secondaries, IPv6 with prefix and scope
    facts = read["interfaces"]["vec1"]
    assert facts["ipv4"] == {"address": "192.0.2.11", "prefix": "24"}
    assert facts["ipv4_secondaries"] == [{"address": "192.0.2.10", "prefix": "32"}, {"address": "192.0.2.30", "prefix": "32"}]
    assert {"address": "fe80::4c:56ff:fe00:101", "prefix": "64", "scope": "link"} in facts["ipv6"]
    assert read["interfaces"]["vec0"].get("ipv4_secondaries") == []
    assert read["default_gateways"] == {"ipv4": ["192.0.2.254"], "ipv6": ["2001:db8:2::254"]}


def test_the_model_reads_the_subnets_from_it():
    # what the cluster model's host check makes of an interface (VIPs and the NAT address
    # must lie in one of these): the global subnets, not the link-local one
    networks = interface_networks(host_read.parse(recorded("router1"))["interfaces"]["vec1"])
    assert ipaddress.ip_network("192.0.2.0/24") in networks
    assert ipaddress.ip_network("2001:db8:2::/64") in networks
    assert not any(network.is_link_local for network in networks)


def test_a_real_server_read():
    read = host_read.parse(recorded("rs1"))
    assert read["default_gateways"] == {"ipv4": ["198.51.100.254"], "ipv6": ["2001:db8:51::254"]}
    assert "lo" in [link["ifname"] for link in read["addresses"]]


@pytest.mark.parametrize("release, family", [
    ('ID=debian\nVERSION_ID="13"\n', "Debian"),
    ('ID=ubuntu\nID_LIKE=debian\n', "Debian"),
    ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "RedHat"),
    ('ID=fedora\n', "RedHat"),
    ('ID="opensuse-leap"\nID_LIKE="suse opensuse"\n', None),
    ('', None),
])
def test_the_family_from_os_release(release, family):
    assert host_read.os_family(host_read.os_release(release)) == family


def replaced(out, name, text, rc=0):
    """out with the section name's output and exit status replaced."""
    found = host_read.sections(out)
    found[name] = (rc, text)
    return "".join("%s %s\n%s\n%s rc %d\n" % (host_read.MARK, key, body, host_read.MARK, status)
                   for key, (status, body) in found.items())


def test_a_failed_or_missing_read_names_the_command():
    out = replaced(recorded("rs1"), "addresses", "Cannot open netlink socket: Permission denied", rc=2)
    with pytest.raises(HostReadError, match=r"^ip -j address show failed \(rc=2\): Cannot open netlink socket"):
        host_read.parse(out)
    with pytest.raises(HostReadError, match="^ip -j printed what is not JSON"):
        host_read.parse(replaced(recorded("rs1"), "addresses", "Usage: ip address {add|change}"))
    with pytest.raises(HostReadError, match="^cat /etc/os-release: no output"):
        host_read.parse(recorded("rs1").split("--- lvs.cluster host_read addresses")[0].replace(
            "--- lvs.cluster host_read os_release", "--- lvs.cluster host_read other"))


def test_the_line_runs_in_a_posix_shell():
    # this machine's own shell, ip and os-release: every read answers, in the C locale
    done = subprocess.run(["/bin/sh", "-c", host_read.command()], capture_output=True, text=True, check=False)
    read = host_read.parse(done.stdout)
    assert done.returncode == 0 and read["os_family"] == "Debian"
    assert "lo" in read["interfaces"] and read["interfaces"]["lo"]["ipv4"]["address"] == "127.0.0.1"


def action(args=None):
    task = mock.MagicMock(args=args or {}, async_val=0, check_mode=False, environment=None)
    plugin = ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return plugin


def test_the_action_runs_one_command_and_returns_the_read():
    plugin = action()
    with mock.patch.object(plugin, "_low_level_execute_command",
                           return_value={"rc": 0, "stdout": recorded("rs1"), "stderr": ""}) as run:
        result = plugin.run(task_vars={})
    run.assert_called_once_with(host_read.command())
    assert not result.get("failed") and result["changed"] is False
    assert result["default_gateways"]["ipv4"] == ["198.51.100.254"]


def test_the_action_fails_on_a_failed_read_and_on_options():
    plugin = action()
    with mock.patch.object(plugin, "_low_level_execute_command",
                           return_value={"rc": 127, "stdout": "", "stderr": "sh: 1: cat: not found"}):
        result = plugin.run(task_vars={})
    assert result["failed"] and result["msg"].startswith("reading the host failed: cat /etc/os-release: no output")
    assert result["stderr"] == "sh: 1: cat: not found" and result["rc"] == 127
    result = action({"probes": True}).run(task_vars={})
    assert result["failed"] and result["msg"] == "host_read takes no options (got probes)"
