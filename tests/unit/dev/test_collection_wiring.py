"""The checkout must be usable as lvs.cluster, by Ansible and by Python tests."""

from __future__ import annotations

import json
import re
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


def minimum_ansible() -> str:
    """meta/runtime.yml's requires_ansible, the one statement: '>=X.Y.0' -> 'X.Y'."""
    requires = load_yaml("meta/runtime.yml")["requires_ansible"]
    match = re.fullmatch(r">=(\d+)\.(\d+)\.0", requires)
    assert match, "requires_ansible=%r: state it as >=X.Y.0" % requires
    return "%s.%s" % match.groups()


def pinned_ansible_core() -> dict[str, str]:
    """The ansible-core each requirements file pins: {file: version}."""
    pins = {}
    for name in ("requirements/dev.txt", "requirements/constraints.txt"):
        for line in (REPO / name).read_text(encoding="utf-8").splitlines():
            match = re.fullmatch(r"ansible-core==(\S+)", line.strip())
            if match:
                pins[name] = match.group(1)
    return pins


def test_the_minimum_ansible_core_is_the_series_the_project_tests() -> None:
    # What is tested (the pin of `make setup`) is what is claimed as the minimum: a claim
    # of an older series would be one no test has ever run.
    pins = pinned_ansible_core()
    assert set(pins) == {"requirements/dev.txt", "requirements/constraints.txt"}
    assert len(set(pins.values())) == 1, pins
    (pinned,) = set(pins.values())
    assert ".".join(pinned.split(".")[:2]) == minimum_ansible()
    assert ansible_core_version == pinned


def test_the_minimum_ansible_core_is_stated_once_and_repeated_alike() -> None:
    # Roles of a collection take the collection's requires_ansible: no min_ansible_version
    # of their own (their galaxy_info says standalone: false, which ansible-lint needs to
    # accept that). README.md and any other document or changelog fragment that states a
    # minimum states the same one.
    minimum = minimum_ansible()
    for meta in sorted(REPO.glob("roles/*/meta/main.yml")):
        galaxy_info = load_yaml(str(meta.relative_to(REPO)))["galaxy_info"]
        assert "min_ansible_version" not in galaxy_info, meta
        assert galaxy_info.get("standalone") is False, meta
    claims = re.compile(r"(?:ansible-core|Ansible|ansible)\s+(\d+\.\d+)(?:\.\d+)?\s+or\s+(?:newer|later)")
    stated = []
    documents = [REPO / "README.md", *sorted(REPO.glob("roles/*/README.md")), *sorted(REPO.glob("docs/**/*.md")),
                 *sorted(REPO.glob("changelogs/fragments/*.yml")), REPO / "galaxy.yml"]
    for document in documents:
        text = " ".join(document.read_text(encoding="utf-8").split())
        stated += [(str(document.relative_to(REPO)), version) for version in claims.findall(text)]
    assert ("README.md", minimum) in stated
    assert [claim for claim in stated if claim[1] != minimum] == []
