"""SSH into the guests through the hub namespace, with one multiplexed connection each."""

import os

from . import topology as topo
from .paths import SSH_CONFIG, SSH_DIR, SSH_KEY
from .run import CommandError, run


def ensure_key():
    os.makedirs(SSH_DIR, mode=0o700, exist_ok=True)
    if not os.path.exists(SSH_KEY):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lvs-lab", "-f", SSH_KEY])


def ssh_config_text():
    blocks = [f"Host {g.name}\n    HostName {g.mgmt_ip}\n" for g in topo.GUESTS]
    blocks.append(
        "Host *\n"
        "    User root\n"
        f"    IdentityFile {SSH_KEY}\n"
        "    IdentitiesOnly yes\n"
        # Every byte to and from the guests stays inside the lab's own namespace.
        f"    ProxyCommand ip netns exec {topo.HUB_NETNS} nc %h %p\n"
        "    StrictHostKeyChecking no\n"
        "    UserKnownHostsFile /dev/null\n"
        "    LogLevel ERROR\n"
        "    ControlMaster auto\n"
        f"    ControlPath {SSH_DIR}/cm-%n\n"
        "    ControlPersist 300\n"
        "    ServerAliveInterval 5\n")
    return "# Written by the lvs.cluster lab (lab/lab up): ssh -F this-file router1\n" + "\n".join(blocks)


def write_ssh_config():
    with open(SSH_CONFIG, "w", encoding="utf-8") as handle:
        handle.write(ssh_config_text())


def ssh(name, command, check=True, timeout=60):
    """Run a shell command line in guest `name` (the guest's shell, not the host's)."""
    return run(["ssh", "-F", SSH_CONFIG, name, command], check=check, timeout=timeout)


def close_master(name):
    """End the multiplexed connection, if any; never waits long (the guest may hang)."""
    try:
        run(["ssh", "-F", SSH_CONFIG, "-O", "exit", name], check=False, timeout=10)
    except CommandError:
        pass
