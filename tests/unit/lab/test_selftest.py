"""Reading the router's counters (output recorded from the lab's router1, kernel 6.1)."""

from pathlib import Path

import pytest

from lvslab import selftest

FIXTURES = Path(__file__).parent / "fixtures"


def test_parse_stats_of_recorded_direct_routing_run():
    stats = selftest.parse_stats((FIXTURES / "ipvsadm-Ln-stats-exact-dr.txt").read_text())
    assert stats == {"198.51.100.21": (10, 61, 0), "198.51.100.22": (10, 61, 0),
                     "198.51.100.23": (10, 60, 0)}


def test_expect_raises_with_the_message():
    selftest.expect(True, "unused")
    with pytest.raises(selftest.SelfTestFailure, match="no packets"):
        selftest.expect(False, "no packets")
