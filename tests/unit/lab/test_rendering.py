"""What the lab writes for others to read: inventory, ssh_config, the guests' network script."""

import yaml

from lvslab import guest as guests
from lvslab import inventory, remote
from lvslab import topology as topo
from lvslab.paths import ANSIBLE_CONTROL_DIR, SSH_CONFIG, STATE


def test_inventory_is_yaml_with_every_guest_in_its_group():
    data = yaml.safe_load(inventory.render())
    children = data["all"]["children"]
    for guest in topo.GUESTS:
        host = children[guest.group]["hosts"][guest.name]
        assert host["ansible_host"] == guest.name
        assert host["lab_mgmt_ipv4"] == guest.mgmt_ip
    assert sum(len(group["hosts"]) for group in children.values()) == len(topo.GUESTS)


def test_inventory_connects_through_the_labs_ssh_config():
    settings = yaml.safe_load(inventory.render())["all"]["vars"]
    assert settings["ansible_ssh_common_args"] == f"-F {SSH_CONFIG}"
    assert settings["ansible_pipelining"] is True
    assert int(settings["ansible_ssh_retries"]) == 3     # Ansible casts the option to int
    # Per lab state dir, so two labs with the same guest names never share a connection.
    assert settings["ansible_control_path_dir"] == ANSIBLE_CONTROL_DIR
    assert ANSIBLE_CONTROL_DIR.startswith(STATE)
    assert settings["lab_client_netns"] == topo.CLIENT_NETNS


def test_inventory_values_stay_strings():
    # Unquoted, YAML would read a MAC-like or octal-like value as a number.
    assert inventory._scalar("0644") == '"0644"'
    assert yaml.safe_load("v: " + inventory._scalar('say "yes"'))["v"] == 'say "yes"'


def test_inventory_nic_names_match_the_guest_nics():
    data = yaml.safe_load(inventory.render())["all"]["children"]
    router = data["lab_routers"]["hosts"]["router1"]
    assert (router["lab_public_nic"], router["lab_private_nic"]) == ("vec1", "vec2")
    assert router["lab_public_ipv6"].startswith("2001:db8:")


def test_ssh_config_names_every_guest_and_stays_in_the_lab_namespace():
    text = remote.ssh_config_text()
    for guest in topo.GUESTS:
        assert f"Host {guest.name}\n    HostName {guest.mgmt_ip}\n" in text
    assert f"ProxyCommand ip netns exec {topo.HUB_NETNS} nc %h %p" in text


def test_network_script_sets_every_address_and_the_upstream_route():
    router = topo.guest("router1")
    script = guests.network_script(router)
    for number, nic in enumerate(router.nics):
        assert f"ip addr replace {nic.ipv4}/24 dev vec{number}" in script
    assert "ip route replace default via 192.0.2.254" in script
    assert "ip -6 route replace default via 2001:db8:2::254" in script
    real_server = topo.guest("rs1")
    assert "ip route replace default via 198.51.100.254" in guests.network_script(real_server)
