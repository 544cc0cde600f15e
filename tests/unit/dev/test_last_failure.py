"""tools/last_failure.py must name the task that stopped a scenario, from its log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[3] / "tools" / "last_failure.py"

# As tools/molecule-test-all writes it: a time stamp, molecule's frame, colours.
FRAME = "\x1b[2m│\x1b[0m "

IGNORED_THEN_FAILED = [
    "TASK [Refused | a bad scheduler]",
    "fatal: [localhost -> router1]: FAILED! => ",
    "    msg: refused",
    "...ignoring",
    "",
    "TASK [Traffic | weighted shares within 10% of the weights, over a",
    "  long name] *****************",
    "\x1b[0;31mfatal: [localhost]: FAILED! => \x1b[0m",
    "    assertion: web.rs1 >= 135",
    "    msg: '{\"rs1\": 120}'",
    "",
    "PLAY RECAP ****",
    "localhost : ok=3 failed=1",
]


def run(tmp_path, lines, *args, frame=f"  {FRAME}"):
    log = tmp_path / "scenario.log"
    log.write_text("".join(f"10:51:58 {frame}{line}\n" for line in lines), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(TOOL), str(log), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_the_last_failure_not_ignored_with_its_task(tmp_path):
    assert run(tmp_path, IGNORED_THEN_FAILED) == [
        "TASK [Traffic | weighted shares within 10% of the weights, over a long name]",
        "fatal: [localhost]: FAILED! => ",
        "    assertion: web.rs1 >= 135",
        "    msg: '{\"rs1\": 120}'",
    ]


def test_lines_without_the_frame_keep_their_indent(tmp_path):
    assert run(tmp_path, IGNORED_THEN_FAILED, frame="")[1:3] == [
        "fatal: [localhost]: FAILED! => ",
        "    assertion: web.rs1 >= 135",
    ]


def test_only_ignored_failures_fall_back_to_the_error_lines(tmp_path):
    lines = IGNORED_THEN_FAILED[:4] + ["ERROR    Failed to create the lab: no SSH on rs2"]
    assert run(tmp_path, lines) == ["ERROR    Failed to create the lab: no SSH on rs2"]


def test_a_long_failure_is_cut_and_says_where_the_rest_is(tmp_path):
    lines = ["TASK [Big]", "fatal: [localhost]: FAILED! => "] + [f"    line {n}" for n in range(30)]
    shown = run(tmp_path, lines, "5")
    assert shown[:5] == ["TASK [Big]", "fatal: [localhost]: FAILED! => ", "    line 0", "    line 1", "    line 2"]
    assert shown[5] == f"... 27 more lines in {tmp_path / 'scenario.log'}"
