"""Print the files of this repository that the collection ships.

`make sanity` copies exactly these files into an
ansible_collections/lvs/cluster tree for ansible-test, so sanity checks what
`ansible-galaxy collection build` would put in the artifact, and not the
lab, the virtualenv or build output that live in the same checkout.

The candidates are the files git knows about (tracked, plus untracked ones
that .gitignore does not hide, as ansible-test itself does, so a new module is
checked before it is committed). From those, galaxy.yml's build_ignore is
applied with the same rules as ansible-galaxy's build (fnmatch against the
path relative to the collection root, a matching directory drops everything
under it, plus the patterns ansible-galaxy always ignores). galaxy.yml itself
is kept: the artifact carries it as MANIFEST.json, and ansible-test reads the
collection version from it.

Output is NUL-separated for `rsync --from0 --files-from=-`.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import subprocess
import sys
from pathlib import Path

import yaml

# ansible-galaxy's _build_files_manifest_walk() ignores these on top of
# build_ignore (ansible-core 2.17 to 2.19), except galaxy.yml, kept on purpose.
ALWAYS_IGNORED_PATTERNS = (
    "MANIFEST.json",
    "FILES.json",
    ".git",
    "*.pyc",
    "*.retry",
    "tests/output",
)
# Directory names skipped wherever they appear.
ALWAYS_IGNORED_DIR_NAMES = frozenset(
    {"CVS", ".bzr", ".hg", ".git", ".svn", "__pycache__", ".tox"}
)


def read_galaxy(root: Path) -> dict:
    with open(root / "galaxy.yml", encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    if "manifest" in galaxy:
        # With a manifest key ansible-galaxy ignores build_ignore and selects
        # files with distlib directives, which this script does not emulate.
        raise SystemExit("galaxy.yml uses 'manifest'; tools/collection_files.py only supports build_ignore")
    return galaxy


def ignore_patterns(galaxy: dict) -> list[str]:
    namespace, name = galaxy["namespace"], galaxy["name"]
    return [
        *ALWAYS_IGNORED_PATTERNS,
        f"{namespace}-{name}-*.tar.gz",
        *(galaxy.get("build_ignore") or []),
    ]


def is_shipped(rel_path: str, patterns: list[str]) -> bool:
    """Whether ansible-galaxy's build would include the file at rel_path."""
    parts = rel_path.split("/")
    # Each parent directory is tested as ansible-galaxy's walk meets it.
    for depth in range(1, len(parts)):
        directory = "/".join(parts[:depth])
        if parts[depth - 1] in ALWAYS_IGNORED_DIR_NAMES:
            return False
        if any(fnmatch.fnmatch(directory, pattern) for pattern in patterns):
            return False
    return not any(fnmatch.fnmatch(rel_path, pattern) for pattern in patterns)


def git_files(root: Path) -> list[str]:
    """Tracked and not-ignored untracked files that exist in the work tree."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        stdout=subprocess.PIPE,
    ).stdout.decode("utf-8")
    names = sorted({name for name in listing.split("\0") if name})
    # A tracked file deleted but not yet committed is still listed by git.
    return [name for name in names if os.path.lexists(root / name)]


def shipped_files(root: Path) -> list[str]:
    patterns = ignore_patterns(read_galaxy(root))
    return [name for name in git_files(root) if is_shipped(name, patterns)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=".", type=Path, help="collection source root (default: .)")
    args = parser.parse_args(argv)
    for name in shipped_files(args.root):
        sys.stdout.write(name + "\0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
