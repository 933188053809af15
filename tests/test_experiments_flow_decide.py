"""The flow's decision: failing tests and removed blocking beat the compare's ruling."""

from __future__ import annotations

import pytest

from codeflash_lab.experiments.compare_input import CompareNumbers
from codeflash_lab.experiments.flow_decide import compare_ruling, flow_ruling, guard_ruling
from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict
from codeflash_lab.workspace.experiment_record import GuardRun


def _numbers(before: float, after: float, verdict: str) -> CompareNumbers:
    return CompareNumbers(
        source="runs/compare.json",
        target="svc.py:handle",
        concurrency=2,
        baseline_latency_ms=before,
        optimized_latency_ms=after,
        baseline_throughput=1000 / before,
        optimized_throughput=1000 / after,
        p99_change=None,
        verdict=verdict,
        confirmed={"KEEP": True, "DISCARD": False}.get(verdict),
    )


PASSED = GuardRun("pytest", ran=True, passed=3, duration_s=1.0, source="junit-xml")
FAILED = GuardRun("pytest", ran=True, passed=2, failed=1, source="junit-xml")
NOT_RUN = GuardRun("", ran=False, source="no test_command in .codeflash/setup.md")


def test_a_clear_win_keeps_by_threshold_with_its_compare_as_evidence() -> None:
    ruling = compare_ruling(_numbers(20.0, 1.0, "KEEP"))
    assert (ruling.verdict, ruling.rule) == (Verdict.KEEP, Rule.THRESHOLD)
    assert ruling.evidence.ref == "runs/compare.json"
    assert flow_ruling(compare=ruling, guard=PASSED) is ruling


def test_failing_tests_beat_a_clear_win() -> None:
    win = compare_ruling(_numbers(20.0, 1.0, "KEEP"))
    ruling = flow_ruling(compare=win, guard=FAILED)
    assert (ruling.verdict, ruling.rule) == (Verdict.DISCARD, Rule.TESTS_FAILED)
    assert ruling.reason == "1 test(s) failed with the change"


def test_removed_blocking_beats_a_compare_that_saw_nothing() -> None:
    flat = compare_ruling(_numbers(20.0, 19.9, "DISCARD"))
    assert flat.verdict is Verdict.DISCARD
    ruling = flow_ruling(compare=flat, guard=PASSED, blocking_removed="runs/debug.json")
    assert (ruling.verdict, ruling.rule) == (Verdict.KEEP, Rule.BLOCKING_REMOVED)
    assert flow_ruling(compare=flat, guard=FAILED, blocking_removed="x").rule is Rule.TESTS_FAILED
    claimed = flow_ruling(compare=flat, guard=PASSED, blocking_removed=True)
    assert claimed.rule is Rule.BLOCKING_REMOVED
    assert claimed.evidence.source is Source.ASSERTED


def test_a_guard_that_could_not_run_decides_nothing() -> None:
    assert guard_ruling(NOT_RUN) is None
    syntax = GuardRun("pytest", ran=False, source="syntax error: a.py:3: invalid syntax")
    assert guard_ruling(syntax).rule is Rule.TESTS_FAILED  # type: ignore[union-attr]


def test_an_undecided_compare_is_inconclusive_never_noise() -> None:
    ruling = compare_ruling(_numbers(20.0, 17.0, "INCONCLUSIVE"))
    assert ruling.verdict is Verdict.INCONCLUSIVE
    assert ruling.rule is Rule.UNPROVEN
    assert ruling.status == "DISCARD"


def test_the_compare_own_ruling_is_used_when_saved() -> None:
    own = Ruling(Verdict.KEEP, Rule.CONFIRMED, "6 % after 6 rounds", Evidence(Source.MEASURED))
    ruling = compare_ruling(_numbers(20.0, 19.0, "KEEP"), {"ruling": own.to_dict()})
    assert ruling.rule is Rule.CONFIRMED
    assert ruling.evidence.ref == "runs/compare.json"


def test_a_person_outranks_and_is_shown_as_asserted() -> None:
    win = compare_ruling(_numbers(20.0, 1.0, "KEEP"))
    ruling = flow_ruling(compare=win, guard=PASSED, status="discard")
    assert (ruling.verdict, ruling.rule) == (Verdict.DISCARD, Rule.PERSON)
    assert "the rules said KEEP [threshold]" in ruling.reason
    assert ruling.evidence.source is Source.ASSERTED
    with pytest.raises(ValueError, match="status"):
        flow_ruling(compare=None, status="maybe")
