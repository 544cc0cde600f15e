"""The alert rules of docs/operations.md ("Metrics"): the doc shows the rules file as it is,
and promtool (Debian's prometheus package; LVS_PROMTOOL names one elsewhere) checks it and
runs its tests (docs/metrics/lvs-cluster.rules.test.yml)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "docs" / "metrics" / "lvs-cluster.rules.yml"
PROMTOOL = os.environ.get("LVS_PROMTOOL") or shutil.which("promtool")


def _yaml_blocks(text):
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def test_the_doc_shows_the_rules_file_as_it_is():
    rules = RULES.read_text()
    body = "".join(line for line in rules.splitlines(keepends=True) if not line.startswith("# "))
    assert body in _yaml_blocks((ROOT / "docs" / "operations.md").read_text())
    names = [rule["alert"] for group in yaml.safe_load(rules)["groups"] for rule in group["rules"]]
    assert names == ["LVSTwoMasters", "LVSNoMaster", "LVSRouterMetricsDown", "LVSServiceWithoutRealServer"]


@pytest.mark.skipif(not PROMTOOL, reason="no promtool (Debian's prometheus package; LVS_PROMTOOL)")
def test_promtool_checks_the_rules_and_their_tests_pass():
    for command in (["check", "rules", RULES.name], ["test", "rules", "lvs-cluster.rules.test.yml"]):
        done = subprocess.run([PROMTOOL] + command, cwd=str(RULES.parent), capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
