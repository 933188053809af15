"""The keep/discard tree: every branch, the 10% boundary on each metric, the shared
vocabulary's rules and evidence."""

from __future__ import annotations

import pytest

from codeflash_lab.experiments.decision import (
    DISCARD,
    KEEP,
    NEEDS_CONFIRMATION,
    TRADEOFF,
    decide,
)
from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict


def test_failing_tests_discard_whatever_the_numbers() -> None:
    d = decide(tests_failed=2, latency_change=-80.0)
    assert d.verdict == DISCARD
    assert "2 test(s) failed" in d.reason
    assert d.status == "DISCARD"


@pytest.mark.parametrize(
    ("change", "verdict"), [(-10.0, KEEP), (-9.9, NEEDS_CONFIRMATION), (-63.0, KEEP)]
)
def test_latency_boundary_at_ten_percent(change: float, verdict: str) -> None:
    assert decide(latency_change=change).verdict == verdict


def test_p99_alone_can_keep() -> None:
    d = decide(latency_change=-2.0, p99_change=-25.0)
    assert d.verdict == KEEP
    assert d.reason.startswith("p99 latency 25% lower")


@pytest.mark.parametrize(("change", "verdict"), [(10.0, KEEP), (9.99, NEEDS_CONFIRMATION)])
def test_throughput_boundary_at_ten_percent(change: float, verdict: str) -> None:
    assert decide(throughput_change=change).verdict == verdict


def test_small_gain_is_kept_when_confirmed_and_discarded_when_noise() -> None:
    assert decide(latency_change=-6.0, confirmed=True).verdict == KEEP
    noise = decide(latency_change=-6.0, confirmed=False)
    assert noise.verdict == DISCARD
    assert "noise" in noise.reason
    pending = decide(latency_change=-6.0)
    assert pending.status is None
    assert "re-run at least 3 times" in pending.reason


def test_blocking_call_removed_is_kept_even_without_a_gain() -> None:
    d = decide(latency_change=3.0, throughput_change=-1.0, blocking_removed=True)
    assert d.verdict == KEEP
    assert d.rule == "blocking-removed"
    assert "no longer does" in d.reason


def test_opposite_moves_are_a_tradeoff() -> None:
    d = decide(latency_change=-30.0, throughput_change=-15.0)
    assert d.verdict == TRADEOFF
    assert d.status is None
    assert "latency 30% lower but throughput 15% lower" in d.reason
    assert decide(latency_change=12.0, throughput_change=40.0).verdict == TRADEOFF


def test_a_small_regression_on_the_other_metric_does_not_block_a_clear_win() -> None:
    assert decide(latency_change=-30.0, throughput_change=-4.0).verdict == KEEP


def test_nothing_improved_is_a_discard() -> None:
    d = decide(latency_change=4.0, throughput_change=-2.0)
    assert d.verdict == DISCARD
    assert d.reason == "neither latency nor throughput improved"
    assert d.rule == "regression"
    # Typed flat numbers show no gain, but nothing was repeated: unproven, never "noise".
    flat = decide(latency_change=0.0, throughput_change=0.0)
    assert (flat.verdict, flat.rule, flat.status) == ("INCONCLUSIVE", "unproven", DISCARD)
    assert "not shown to be noise" in flat.reason
    assert "typed, not measured" in flat.line()


def test_bad_arguments_name_the_parameter() -> None:
    with pytest.raises(ValueError, match="threshold_pct"):
        decide(latency_change=-20.0, threshold_pct=0)
    with pytest.raises(ValueError, match="tests_failed"):
        decide(tests_failed=-1, latency_change=-20.0)
    with pytest.raises(ValueError, match="latency_change"):
        decide()


def test_decision_renders() -> None:
    d = decide(throughput_change=172.0)
    assert str(d) == "KEEP: throughput 172% higher (at least 10%)"
    assert d.line().startswith("KEEP [threshold]: throughput 172% higher")
    assert d.line().endswith("evidence: typed, not measured")
    assert d.to_dict()["status"] == "KEEP"
    assert "<b>KEEP</b>" in d._repr_html_()


def test_tradeoff_names_what_won_and_what_lost() -> None:
    d = decide(latency_change=-20.0, p99_change=15.0, throughput_change=12.0)
    assert d.verdict == "TRADEOFF"
    assert d.reason.startswith(
        "p50 latency 20% lower and throughput 12% higher but p99 latency 15% higher"
    )
    d = decide(latency_change=-25.0, throughput_change=-12.0)
    assert "p50 latency 25% lower but throughput 12% lower" in d.reason


def test_a_win_the_compare_could_not_prove_is_unproven_and_logged_as_discard() -> None:
    d = decide(latency_change=-30.0, throughput_change=25.0, measured_verdict="INCONCLUSIVE")
    assert (d.verdict, d.rule, d.status) == ("INCONCLUSIVE", "unproven", "DISCARD")
    assert "could not separate it from noise" in d.reason
    assert "is noise" not in d.reason
    assert d.ruling.verdict is Verdict.INCONCLUSIVE
    # repeated runs settle it, as for a small change
    again = decide(latency_change=-30.0, measured_verdict="INCONCLUSIVE", confirmed=True)
    assert (again.verdict, again.rule) == ("KEEP", "confirmed")
    noise = decide(latency_change=-30.0, measured_verdict="INCONCLUSIVE", confirmed=False)
    assert (noise.verdict, noise.rule) == ("DISCARD", "noise")


def test_a_clear_win_whose_runs_overlap_is_noise() -> None:
    d = decide(throughput_change=15.0, measured_verdict="DISCARD")
    assert (d.verdict, d.rule) == ("DISCARD", "noise")


def test_the_benchmark_keep_or_no_benchmark_leaves_the_tree_alone() -> None:
    assert decide(latency_change=-30.0, measured_verdict="KEEP").verdict == "KEEP"
    assert decide(latency_change=-30.0).verdict == "KEEP"
    # a removed blocking call stays a correctness keep whatever the benchmark says
    assert (
        decide(latency_change=-30.0, measured_verdict="INCONCLUSIVE", blocking_removed=True).verdict
        == "KEEP"
    )


def _compare_ruling(verdict: Verdict, rule: Rule, reason: str) -> Ruling:
    return Ruling(verdict, rule, reason, Evidence(Source.MEASURED, ref="runs/compare-1.json"))


def test_a_compare_ruling_is_taken_as_it_is() -> None:
    ruling = _compare_ruling(Verdict.KEEP, Rule.CONFIRMED, "p50 better by at least 3 %")
    d = decide(latency_change=-5.0, measured=ruling)
    assert (d.verdict, d.rule, d.status) == ("KEEP", "confirmed", "KEEP")
    assert d.ruling.evidence.ref == "runs/compare-1.json"
    assert decide(measured=ruling.to_dict()).ruling == ruling


def test_tests_and_errors_outrank_a_removed_blocking_call_and_the_compare() -> None:
    errors = _compare_ruling(Verdict.DISCARD, Rule.ERRORS, "B fails more operations")
    d = decide(latency_change=-40.0, measured=errors, blocking_removed=True)
    assert (d.verdict, d.rule) == ("DISCARD", "errors")
    keep = _compare_ruling(Verdict.KEEP, Rule.THRESHOLD, "p50 better")
    assert decide(tests_failed=1, measured=keep, blocking_removed=True).rule == "tests-failed"
    unproven = _compare_ruling(Verdict.INCONCLUSIVE, Rule.UNPROVEN, "budget spent")
    assert decide(measured=unproven, blocking_removed=True).rule == "blocking-removed"


def test_typed_numbers_are_marked_typed_and_answers_asserted() -> None:
    typed = decide(latency_change=-12.0)
    assert typed.ruling.evidence.source is Source.TYPED
    assert "typed, not measured" in typed.line()
    asserted = decide(latency_change=-5.0, confirmed=True)
    assert asserted.ruling.evidence.source is Source.ASSERTED
    pending = decide(latency_change=-5.0)
    assert pending.verdict == NEEDS_CONFIRMATION
    assert pending.ruling.rule is Rule.UNPROVEN
