"""The lab's Ansible inventory (.lab/inventory.yml), usable as-is from the repository root."""

from . import topology as topo
from .paths import ANSIBLE_CONTROL_DIR, SSH_CONFIG


def host_vars(guest):
    data = {"ansible_host": guest.name}
    for segment in ("mgmt", "public", "private"):
        nic = guest.nic(segment)
        if nic:
            data[f"lab_{segment}_nic"] = guest.nic_name(segment)
            data[f"lab_{segment}_ipv4"] = nic.ipv4
            if nic.ipv6:
                data[f"lab_{segment}_ipv6"] = nic.ipv6
    return data


def inventory():
    groups = {}
    for guest in topo.GUESTS:
        groups.setdefault(guest.group, {})[guest.name] = host_vars(guest)
    return {
        "all": {
            "vars": {
                # Names resolve through the lab's ssh_config: addresses, key, ProxyCommand.
                "ansible_ssh_common_args": f"-F {SSH_CONFIG}",
                # Every lab instance has the same guest names and addresses: Ansible's
                # shared connections must not carry one lab's tasks into another's guests.
                "ansible_control_path_dir": ANSIBLE_CONTROL_DIR,
                "ansible_user": "root",
                "ansible_python_interpreter": "/usr/bin/python3",
                "ansible_pipelining": True,
                # A connection to a UML guest on a loaded 2-core host now and then drops
                # while it is set up (seen: the control master's pipe broke right after
                # boot); retry it rather than fail the play. Only SSH failures retry.
                "ansible_ssh_retries": 3,
                "lab_client_netns": topo.CLIENT_NETNS,
                "lab_client_ipv4": topo.client().ipv4,
                "lab_client_ipv6": topo.client().ipv6,
                "lab_public_gateway_ipv4": topo.gateway("public").ipv4,
                "lab_private_gateway_ipv4": topo.gateway("private").ipv4,
            },
            "children": {group: {"hosts": hosts} for group, hosts in groups.items()},
        }
    }


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # Quote everything that YAML could read as something other than this string.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_yaml(data, indent=0):
    lines = []
    for key, value in data.items():
        pad = "  " * indent
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.extend(to_yaml(value, indent + 1))
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return lines


def render():
    return "# Written by the lvs.cluster lab (lab/lab up); regenerated on every lab-up.\n" + \
        "\n".join(to_yaml(inventory())) + "\n"
