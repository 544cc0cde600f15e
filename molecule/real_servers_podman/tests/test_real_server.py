"""The state converge leaves on each real server, checked on that server."""

import re

import pytest
from conftest import REAL_SERVERS, VIP

testinfra_hosts = REAL_SERVERS

# Effective values: the kernel uses the larger of conf/all and conf/<iface>.
ARP_SYSCTLS = {"arp_ignore": 1, "arp_announce": 2}


def test_systemd_is_running_without_failed_units(host):
    state = host.run("systemctl is-system-running").stdout.strip()
    failed = host.check_output("systemctl list-units --failed --plain --no-legend")
    assert (state, failed) == ("running", "")


def test_lighttpd_is_enabled_and_listens_on_port_80(host):
    lighttpd = host.service("lighttpd")
    assert lighttpd.is_enabled
    assert lighttpd.is_running
    assert (
        host.socket("tcp://0.0.0.0:80").is_listening
        or host.socket("tcp://:::80").is_listening
    )


def test_lighttpd_serves_the_host_name(host, me):
    assert host.check_output("curl -sS --max-time 5 http://127.0.0.1/") == me.name


def test_vip_is_on_lo_as_a_host_address(host):
    lo = host.check_output("ip -4 -o address show dev lo")
    assert re.search(rf"\binet {re.escape(VIP)}/32 ", lo), lo


def test_vip_is_on_no_other_interface(host):
    lines = host.check_output("ip -4 -o address show to %s", VIP).splitlines()
    assert [line.split()[1] for line in lines] == ["lo"]


def test_vip_comes_back_at_boot(host):
    unit = host.service("lvs-dr-vip")
    assert unit.is_enabled
    assert host.check_output("systemctl is-active lvs-dr-vip.service") == "active"


def test_vip_traffic_is_accepted_locally(host, me):
    # What the director's frames for the VIP hit: this server's own lighttpd.
    assert host.check_output("curl -sS --max-time 5 http://%s/", VIP) == me.name


@pytest.mark.parametrize("key,value", ARP_SYSCTLS.items())
def test_arp_sysctls_are_set_for_all_and_lo(host, key, value):
    for conf in ("all", "lo"):
        assert host.sysctl(f"net.ipv4.conf.{conf}.{key}") == value, conf


@pytest.mark.parametrize("key,value", ARP_SYSCTLS.items())
def test_arp_sysctls_take_effect_on_every_interface(host, key, value):
    confs = host.file("/proc/sys/net/ipv4/conf").listdir()
    interfaces = sorted(set(confs) - {"all", "default"})
    assert "lo" in interfaces and len(interfaces) >= 2, interfaces
    all_value = host.sysctl(f"net.ipv4.conf.all.{key}")
    effective = {
        i: max(all_value, host.sysctl(f"net.ipv4.conf.{i}.{key}")) for i in interfaces
    }
    assert effective == dict.fromkeys(interfaces, value)


def test_arp_sysctls_persist_in_sysctl_d(host):
    conf = host.file("/etc/sysctl.d/90-lvs-dr.conf")
    assert conf.is_file
    settings = dict(
        (part.strip() for part in line.split("=", 1))
        for line in conf.content_string.splitlines()
        if "=" in line and not line.lstrip().startswith(("#", ";"))
    )
    assert settings == {
        f"net.ipv4.conf.{conf}.{key}": str(value)
        for conf in ("all", "lo")
        for key, value in ARP_SYSCTLS.items()
    }
