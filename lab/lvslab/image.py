"""The base tree as a podman image, for container scenarios (no IPVS: host kernel)."""

import os
import subprocess

from . import base
from .run import run, say

CONTAINERS_CONF = os.path.join(os.path.dirname(__file__), "..", "containers.conf")
REPOSITORY = "localhost/lvs-lab-base"


def podman(argv, **kwargs):
    os.environ.setdefault("CONTAINERS_CONF", os.path.abspath(CONTAINERS_CONF))
    return run(["podman", *argv], **kwargs)


def ensure():
    """Import the base tree unless an image of the same tree exists; tag it :latest too."""
    tree = base.ensure()
    name = f"{REPOSITORY}:{base.key()}"
    if podman(["image", "exists", name], check=False).returncode != 0:
        say(f"importing the base tree as {name}")
        _import(tree, name)
    podman(["tag", name, f"{REPOSITORY}:latest"])
    _remove_older(name)
    return name


def _remove_older(current):
    """Images of earlier base trees are dead weight once the tree changed."""
    listed = podman(["images", "--format", "{{.Repository}}:{{.Tag}}", REPOSITORY]).stdout.split()
    for name in listed:
        if name not in (current, f"{REPOSITORY}:latest"):
            podman(["rmi", name], check=False)


def _import(tree, name):
    # A pipe between tar and podman; still argument lists, never a shell.
    env = dict(os.environ, LC_ALL="C")
    tar = subprocess.Popen(["tar", "-C", tree, "--numeric-owner", "-c", "."],
                           stdout=subprocess.PIPE, env=env)
    imported = subprocess.run(["podman", "import", "--change", "CMD=/lib/systemd/systemd",
                               "-", name], stdin=tar.stdout, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tar.stdout.close()
    if tar.wait() != 0 or imported.returncode != 0:
        raise RuntimeError(f"podman import of {tree} failed: {imported.stderr.strip()}")
