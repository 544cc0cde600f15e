"""Where the lab keeps its state: .lab/ at the repository root (git-ignored)."""

import os

from .topology import INSTANCE

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STATE = os.environ.get("LVS_LAB_STATE", os.path.join(REPO, ".lab"))
SSH_DIR = os.path.join(STATE, "ssh")
SSH_KEY = os.path.join(SSH_DIR, "id_ed25519")
SSH_CONFIG = os.path.join(STATE, "ssh_config")
ANSIBLE_CONTROL_DIR = os.path.join(STATE, "ansible-cp")   # Ansible's SSH control sockets
INVENTORY = os.path.join(STATE, "inventory.yml")
UML_DIR = os.path.join(STATE, "uml")        # UML's umid/pid/mconsole files
# Shared by every lab on the machine: the kernel, the base tree, the ccache.
CACHE_DIR = os.environ.get("LVS_LAB_CACHE", "/var/cache/lvs-cluster-lab")


# Namespaces and taps are global names: this file says which checkout's lab they are.
OWNER_FILE = f"/run/lvs-cluster-lab.{INSTANCE}.owner"
LOGS = os.path.join(STATE, "logs")         # kept by lab-down, for post-mortems


def console_log(name):
    return os.path.join(LOGS, f"{name}-console.log")


def guest_dir(name, *parts):
    return os.path.join(STATE, "guests", name, *parts)
