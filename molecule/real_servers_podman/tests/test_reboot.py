"""The converged state is persistent: it is all back after a reboot.

Runs last (pytest takes modules in name order) on one real server, since it
restarts that server's container: systemd boots again from the container's
files, so only what converge wrote to disk survives.
"""

import os
import re
import subprocess
import time

import pytest
from conftest import REAL_SERVERS, VIP

testinfra_hosts = REAL_SERVERS[:1]


@pytest.fixture(scope="module")
def rebooted(host):
    """The host, restarted and booted up again."""
    if host.backend.NAME != "podman":
        pytest.skip("reboots only podman containers")
    podman = os.environ.get("MOLECULE_PODMAN_EXECUTABLE", "podman")
    subprocess.run([podman, "restart", host.backend.name], check=True, timeout=120)
    # systemctl fails at once until systemd has its bus socket: try again.
    deadline = time.monotonic() + 120
    while True:
        boot = host.run("timeout 120 systemctl is-system-running --wait")
        if boot.stdout.strip() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert boot.stdout.strip() == "running", boot
    return host


def test_vip_is_back_on_lo(rebooted):
    lo = rebooted.check_output("ip -4 -o address show dev lo")
    assert re.search(rf"\binet {re.escape(VIP)}/32 ", lo), lo


def test_arp_sysctls_are_back(rebooted):
    assert rebooted.sysctl("net.ipv4.conf.all.arp_ignore") == 1
    assert rebooted.sysctl("net.ipv4.conf.all.arp_announce") == 2


def test_lighttpd_serves_the_host_name_on_the_vip_again(rebooted):
    name = rebooted.check_output("hostname")
    page = rebooted.check_output("curl -sS --max-time 5 http://%s/", VIP)
    assert page == name


def test_it_still_does_not_answer_arp_for_the_vip(rebooted, servers):
    # Probed from another server: its cached address is still valid, unlike
    # this one's, which the restart may have changed.
    name = rebooted.check_output("hostname")
    prober = next(server for server in servers.values() if server.name != name)
    assert prober.arp_probe("who-has", prober.iface, prober.address, VIP) == []
