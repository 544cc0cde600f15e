"""The vector-state program itself, on the host's own kernel: it passes there, and its
control (-c: every signal frame's xmm0 changed) fails, so the lab's test can fail."""

import shutil
import subprocess

import pytest

from lvslab import vector

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc (build-essential)")


@pytest.fixture(scope="module")
def program(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setattr(vector, "STATE", str(tmp_path_factory.mktemp("state")))
    return vector.binary()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def run(program, *args):
    done = subprocess.run([program, "-p", "2", "-t", "2", "-s", "1", *args],
                          capture_output=True, text=True, timeout=60, check=False)
    if done.returncode == 3 and "neither AVX2 nor AVX-512" in done.stderr:
        pytest.skip("this CPU has no AVX2")
    return done.returncode, vector.parse_summary(done.stdout)


def test_the_host_kernel_keeps_every_threads_registers(program):
    status, summary = run(program)
    assert status == 0, summary
    assert summary["mismatches"] == 0 and summary["signals"] > 0 and summary["blocks"] > 0


def test_the_control_run_reports_the_changed_registers(program):
    status, summary = run(program, "-c")
    assert status == 1
    assert summary["mismatches"] > 0
    # what the control changed: the low bytes of register 0 (xmm0 inside ymm0/zmm0)
    assert summary["first"].split(": ", 1)[1].startswith(("zmm0 byte 0", "ymm0 byte 0"))
