"""tools/collection_files.py must select what ansible-galaxy would ship."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import collection_files

REPO = Path(__file__).resolve().parents[3]
ANSIBLE_GALAXY = Path(sys.executable).parent / "ansible-galaxy"

# A collection tree mixing shipped content with every kind of development-only
# file this repository has or plans to have.
FIXTURE_FILES = [
    "README.md",
    "LICENSE",
    "meta/runtime.yml",
    "changelogs/config.yaml",
    "changelogs/fragments/1-thing.yml",
    "docs/guide.md",
    "plugins/modules/ipvs_service.py",
    "plugins/module_utils/ipvs.py",
    "plugins/module_utils/__pycache__/ipvs.cpython-311.pyc",
    "roles/router/__pycache__/stray.txt",
    "plugins/filter/.gitkeep",
    "roles/router/tasks/main.yml",
    "playbooks/site.yml",
    "playbooks/site.retry",
    "tests/unit/plugins/modules/test_ipvs_service.py",
    "tests/unit/lab/test_cli.py",
    "tests/unit/dev/test_tools.py",
    "tests/integration/targets/ipvs_service/tasks/main.yml",
    "tests/output/junit/sanity.xml",
    "lab/lab",
    "lab/lvslab/cli.py",
    "molecule/default/molecule.yml",
    ".config/molecule/config.yml",
    "requirements/dev.txt",
    "tools/collection_files.py",
    "bench/run",
    ".ci/run",
    ".ansible-lint",
    ".gitignore",
    "ansible.cfg",
    "pytest.ini",
    "Makefile",
    "lvs-cluster-0.0.1.tar.gz",
    "docs/old-build.tar.gz",
]


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    for name in FIXTURE_FILES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n", encoding="utf-8")
    # The real build_ignore list, so the test follows its changes.
    shutil.copy(REPO / "galaxy.yml", root / "galaxy.yml")
    git(root, "init", "--quiet")
    # -f: even tracked junk (bytecode, test output) must not be shipped.
    git(root, "add", "--force", ".")
    return root


def galaxy_build_files(root: Path, out: Path) -> set[str]:
    """Files listed in FILES.json of a real `ansible-galaxy collection build`."""
    subprocess.run(
        [str(ANSIBLE_GALAXY), "collection", "build", str(root), "--output-path", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=out,
    )
    (artifact,) = out.glob("lvs-cluster-*.tar.gz")
    with tarfile.open(artifact) as tar:
        manifest = json.load(tar.extractfile("FILES.json"))
    return {entry["name"] for entry in manifest["files"] if entry["ftype"] == "file"}


def test_matches_ansible_galaxy_build(collection: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    shipped = set(collection_files.shipped_files(collection))
    # galaxy.yml is kept on purpose (the artifact carries it as MANIFEST.json).
    assert shipped - {"galaxy.yml"} == galaxy_build_files(collection, out)
    assert "galaxy.yml" in shipped


def test_fixture_exercises_build_ignore(collection: Path) -> None:
    # Guards the parity test above against passing with nothing excluded.
    shipped = set(collection_files.shipped_files(collection))
    assert "plugins/modules/ipvs_service.py" in shipped
    assert "tests/unit/plugins/modules/test_ipvs_service.py" in shipped
    for dev_only in ("lab/lab", "tests/unit/lab/test_cli.py", "Makefile", ".ci/run",
                     ".config/molecule/config.yml",
                     "tests/output/junit/sanity.xml", "docs/old-build.tar.gz",
                     "plugins/module_utils/__pycache__/ipvs.cpython-311.pyc"):
        assert dev_only not in shipped


def test_untracked_ignored_and_deleted_files(collection: Path) -> None:
    (collection / ".gitignore").write_text("/scratch/\n", encoding="utf-8")
    (collection / "scratch").mkdir()
    (collection / "scratch" / "notes.yml").write_text("x: 1\n", encoding="utf-8")
    (collection / "plugins/modules/new_module.py").write_text("# new\n", encoding="utf-8")
    (collection / "docs/guide.md").unlink()

    shipped = collection_files.shipped_files(collection)

    assert "plugins/modules/new_module.py" in shipped  # untracked, not ignored
    assert "scratch/notes.yml" not in shipped  # git-ignored
    assert "docs/guide.md" not in shipped  # deleted from the work tree


@pytest.mark.parametrize(
    ("path", "shipped"),
    [
        ("plugins/modules/x.py", True),
        ("lab/lvslab/cli.py", False),  # a matching directory drops its subtree
        ("laboratory.md", True),  # patterns match whole path components
        ("roles/r/files/x.tar.gz", False),  # fnmatch's * also matches /
        ("roles/__pycache__/x.py", False),  # always-ignored directory names
        ("tests/output/x", False),
    ],
)
def test_is_shipped(path: str, shipped: bool) -> None:
    patterns = collection_files.ignore_patterns(
        {"namespace": "lvs", "name": "cluster", "build_ignore": ["lab", "*.tar.gz"]}
    )
    assert collection_files.is_shipped(path, patterns) is shipped


def test_manifest_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "galaxy.yml").write_text(
        "namespace: lvs\nname: cluster\nmanifest: {}\n", encoding="utf-8"
    )
    with pytest.raises(SystemExit, match="manifest"):
        collection_files.read_galaxy(tmp_path)
