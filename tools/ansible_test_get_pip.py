"""Provide ansible-test's pip bootstrap script without its download host.

ansible-test creates every sanity-test virtualenv with `venv --without-pip`
and then runs a get-pip.py script for the pip version it pins, which it
downloads from an Ansible CI file host and caches under
~/.ansible/test/cache/get_pip_<version>.py. That host is out of reach here,
while PyPI is not, so this writes a stand-in at that cache path: it runs pip
from the pinned pip wheel fetched from the package index, which is the way
get-pip.py itself works (its payload is that same wheel, zipped).

An existing cache file (a real get-pip.py, or an earlier stand-in) is left
alone, so this is cheap to call before every sanity run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

CACHE = Path.home() / ".ansible" / "test" / "cache"

# Mirrors get-pip.py's command line: it consumes --no-setuptools/--no-wheel
# (ansible-test passes both) and runs `pip install --upgrade
# --force-reinstall` with the remaining arguments.
STAND_IN = '''\
"""Stand-in for get-pip.py {version}, written by lvs.cluster's
tools/ansible_test_get_pip.py: runs pip from the pip {version} wheel
next to this file."""
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), {wheel!r})


def main():
    args = sys.argv[1:]
    extra = []
    if "--no-setuptools" in args:
        args.remove("--no-setuptools")
    else:
        extra.append("setuptools")
    if "--no-wheel" in args:
        args.remove("--no-wheel")
    else:
        extra.append("wheel")
    sys.path.insert(0, WHEEL)
    from pip._internal.cli.main import main as pip_main
    return pip_main(["install", "--upgrade", "--force-reinstall"] + args + extra)


if __name__ == "__main__":
    sys.exit(main())
'''


def wanted_pip_version() -> str:
    """The pip version the installed ansible-test bootstraps into its venvs."""
    # Private API, but ansible-core is pinned in requirements/dev.txt; if it
    # moves, this fails loudly instead of caching the wrong version.
    from ansible_test._internal.python_requirements import get_venv_packages

    version = "%d.%d" % sys.version_info[:2]
    return get_venv_packages(SimpleNamespace(version=version))["pip"]


def ensure_stand_in(cache: Path) -> Path:
    version = wanted_pip_version()
    script = cache / f"get_pip_{version.replace('.', '_')}.py"
    if script.exists():
        return script
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--dest", str(cache), f"pip=={version}"],
        check=True,
    )
    wheel = cache / f"pip-{version}-py3-none-any.whl"
    if not wheel.is_file():
        raise SystemExit(f"pip download did not produce {wheel}")
    # Write then rename, so an interrupted run leaves no half-written script
    # that the next run would trust.
    partial = script.with_suffix(".partial")
    partial.write_text(STAND_IN.format(version=version, wheel=wheel.name), encoding="utf-8")
    partial.rename(script)
    return script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"ansible-test's cache directory (default: {CACHE})")
    args = parser.parse_args(argv)
    print(ensure_stand_in(args.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
