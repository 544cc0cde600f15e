"""The checkout must be usable as lvs.cluster, by Ansible and by Python tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from ansible.release import __version__ as ansible_core_version
from packaging.specifiers import SpecifierSet

REPO = Path(__file__).resolve().parents[3]


def load_yaml(name: str) -> dict:
    with open(REPO / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_galaxy_identity() -> None:
    galaxy = load_yaml("galaxy.yml")
    assert (galaxy["namespace"], galaxy["name"]) == ("lvs", "cluster")
    assert galaxy["license"] == ["GPL-3.0-or-later"]


def test_pinned_ansible_core_is_one_the_collection_supports() -> None:
    # Developing against an ansible-core that meta/runtime.yml excludes would
    # test a combination no user can have.
    requires = SpecifierSet(load_yaml("meta/runtime.yml")["requires_ansible"])
    assert ansible_core_version in requires


def test_ansible_finds_this_checkout_as_lvs_cluster() -> None:
    # ansible.cfg's collections_path and the link made by `make setup`.
    listing = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "list",
         "lvs.cluster", "--format", "json"],
        cwd=REPO,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    (collections_dir,) = json.loads(listing.stdout)
    assert (Path(collections_dir) / "lvs" / "cluster").resolve() == REPO


def test_python_imports_this_checkout_as_lvs_cluster() -> None:
    # pytest.ini's pythonpath; module unit tests import plugins this way.
    import ansible_collections.lvs.cluster as collection

    assert [Path(path).resolve() for path in collection.__path__] == [REPO]
