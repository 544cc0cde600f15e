"""Shared fixtures for the real_servers_podman tests (pytest-testinfra).

Molecule runs pytest from the scenario directory with MOLECULE_INVENTORY_FILE
set. Each test module sets ``testinfra_hosts = REAL_SERVERS``, so it runs once
per real server.
"""

import json
import os
import re
from pathlib import Path

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

VIP = "192.0.2.10"
GROUP = "real_servers"
ARP_PROBE = (Path(__file__).parent / "arp_probe.py").read_text()


def _real_server_specs():
    """testinfra host specs for the real servers in Molecule's inventory.

    testinfra's ansible:// backend does not know Ansible's podman connection
    and would run every command as an ad-hoc `ansible -m shell` (seconds
    each), so hosts that Molecule reaches with podman get podman:// specs: one
    `podman exec` per command.
    """
    inventory = os.environ.get("MOLECULE_INVENTORY_FILE")
    if not inventory:
        pytest.exit("run these tests with Molecule (no MOLECULE_INVENTORY_FILE)", 2)
    runner = AnsibleRunner.get_runner(inventory)
    specs = []
    for name in runner.get_hosts(GROUP):
        connection = runner.get_variables(name).get("ansible_connection")
        if connection in ("podman", "containers.podman.podman"):
            specs.append(f"podman://{name}")
        else:
            specs.append(f"ansible://{name}?ansible_inventory={inventory}")
    return specs


REAL_SERVERS = _real_server_specs()


class Server:
    """One real server: its testinfra host, name, interface, address and MAC."""

    def __init__(self, host):
        self.host = host
        self.name = host.check_output("hostname")
        route = host.check_output("ip -4 -o route show default")
        match = re.search(r"\bdev (\S+)", route)
        assert match, f"{self.name}: no default route: {route!r}"
        self.iface = match.group(1)
        inet = host.check_output(
            "ip -4 -o address show dev %s scope global", self.iface
        )
        match = re.search(r"\binet (\d+\.\d+\.\d+\.\d+)/", inet)
        assert match, f"{self.name}: no IPv4 address on {self.iface}: {inet!r}"
        self.address = match.group(1)
        mac = host.file(f"/sys/class/net/{self.iface}/address")
        self.mac = mac.content_string.strip()

    def arp_probe(self, *args):
        """Run arp_probe.py here; return the list it prints."""
        command = " ".join(["python3 -c %s", *["%s"] * len(args)])
        return json.loads(self.host.check_output(command, ARP_PROBE, *args))

    def sysctl(self, name, value):
        """Set a sysctl now (not persistently)."""
        self.host.check_output("sysctl -q -w %s", f"{name}={value}")

    def __repr__(self):
        return f"<{self.name} {self.iface} {self.address} {self.mac}>"


@pytest.fixture(scope="session")
def servers():
    """Every real server, by name."""
    assert len(REAL_SERVERS) >= 2, f"need two real servers or more: {REAL_SERVERS}"
    found = [Server(testinfra.get_host(spec)) for spec in REAL_SERVERS]
    return {server.name: server for server in found}


@pytest.fixture()
def me(host, servers):
    """The real server the test runs on."""
    return servers[host.check_output("hostname")]


@pytest.fixture()
def peers(me, servers):
    """The other real servers, by name."""
    return [server for name, server in sorted(servers.items()) if name != me.name]
