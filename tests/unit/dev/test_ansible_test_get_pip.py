"""tools/ansible_test_get_pip.py must stand in for get-pip.py as ansible-test runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import ansible_test
import pytest

import ansible_test_get_pip

# ansible-test runs the bootstrap script through this wrapper, with GET_PIP
# naming the cached script.
QUIET_PIP = Path(ansible_test.__file__).parent / "_util" / "target" / "setup" / "quiet_pip.py"

# A stand-in for the pip wheel: its pip main() prints the arguments it got.
FAKE_PIP_MAIN = """\
import json
def main(args):
    print(json.dumps(args))
    return 3
"""


def fake_wheel(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as wheel:
        for package in ("pip", "pip/_internal", "pip/_internal/cli"):
            wheel.writestr(f"{package}/__init__.py", "")
        wheel.writestr("pip/_internal/cli/main.py", FAKE_PIP_MAIN)


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    fake_wheel(tmp_path / "pip-24.2-py3-none-any.whl")
    script = tmp_path / "get_pip_24_2.py"
    script.write_text(
        ansible_test_get_pip.STAND_IN.format(version="24.2", wheel="pip-24.2-py3-none-any.whl"),
        encoding="utf-8",
    )
    return script


def run_like_ansible_test(script: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(QUIET_PIP), *args],
        env={**os.environ, "GET_PIP": str(script)},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )


def test_runs_pip_install_from_the_wheel(stand_in: Path) -> None:
    # The arguments ansible-test's bootstrap() passes.
    result = run_like_ansible_test(
        stand_in, "--disable-pip-version-check", "pip==24.2", "--no-setuptools", "--no-wheel"
    )
    assert json.loads(result.stdout) == [
        "install", "--upgrade", "--force-reinstall", "--disable-pip-version-check", "pip==24.2",
    ]
    assert result.returncode == 3  # pip's exit status reaches ansible-test


def test_adds_setuptools_and_wheel_unless_told_not_to(stand_in: Path) -> None:
    result = run_like_ansible_test(stand_in, "pip==24.2")
    assert json.loads(result.stdout)[-2:] == ["setuptools", "wheel"]


def test_existing_script_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version = ansible_test_get_pip.wanted_pip_version()
    script = tmp_path / f"get_pip_{version.replace('.', '_')}.py"
    script.write_text("# the real get-pip.py\n", encoding="utf-8")
    monkeypatch.setattr(ansible_test_get_pip.subprocess, "run", pytest.fail)

    assert ansible_test_get_pip.ensure_stand_in(tmp_path) == script
    assert script.read_text(encoding="utf-8") == "# the real get-pip.py\n"


def test_writes_stand_in_after_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version = ansible_test_get_pip.wanted_pip_version()

    def download(cmd: list[str], check: bool) -> None:
        assert f"pip=={version}" in cmd
        fake_wheel(Path(cmd[cmd.index("--dest") + 1]) / f"pip-{version}-py3-none-any.whl")

    monkeypatch.setattr(ansible_test_get_pip.subprocess, "run", download)

    script = ansible_test_get_pip.ensure_stand_in(tmp_path)
    monkeypatch.undo()  # the module's subprocess is the global one

    assert script.name == f"get_pip_{version.replace('.', '_')}.py"
    assert json.loads(run_like_ansible_test(script, "--no-setuptools", "--no-wheel").stdout) == [
        "install", "--upgrade", "--force-reinstall",
    ]
    assert not list(tmp_path.glob("*.partial"))


def test_missing_wheel_after_download_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ansible_test_get_pip.subprocess, "run", lambda cmd, check: None)
    with pytest.raises(SystemExit, match="did not produce"):
        ansible_test_get_pip.ensure_stand_in(tmp_path)
    assert not list(tmp_path.glob("get_pip_*"))


def test_pinned_ansible_test_still_exposes_its_pip_version() -> None:
    # The private API this tool reads; breaks loudly when ansible-core moves it.
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", ansible_test_get_pip.wanted_pip_version())
