"""The vector-state test's summary line, as lab/vector_state.c prints it."""

from lvslab import vector

PASSED = ("vector_state: isa=avx512 processes=2 threads=2 seconds=10.0 blocks=9836 "
          "preempted_blocks=953 threads_preempted=4 signals=1002 mismatches=0")
# Debian's UML 6.1 (no lab patch) on an AVX-512 host: signal frames lose the ZMM upper halves.
FAILED = ("vector_state: isa=avx512 processes=2 threads=2 seconds=10.0 blocks=9836 "
          "preempted_blocks=953 threads_preempted=4 signals=1002 mismatches=939 "
          "first: process 0 thread 0: zmm0 byte 32: want 0x61 got 0x3a")


def test_a_passing_run():
    summary = vector.parse_summary("some noise\n" + PASSED + "\n")
    assert summary["mismatches"] == 0 and summary["signals"] == 1002
    assert summary["isa"] == "avx512" and summary["first"] is None
    assert summary["threads_preempted"] == 4 and summary["processes"] * summary["threads"] == 4


def test_a_failing_run_names_the_first_mismatch():
    summary = vector.parse_summary(FAILED)
    assert summary["mismatches"] == 939
    assert summary["first"] == "process 0 thread 0: zmm0 byte 32: want 0x61 got 0x3a"


def test_no_summary():
    assert vector.parse_summary("vector_state: bad arguments\n") is None
