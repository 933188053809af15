"""The decision vocabulary: rules in order, each with its verdict, and evidence that says
whether numbers were measured or typed."""

from __future__ import annotations

import json

import pytest

from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict, highest


def test_rules_are_listed_in_the_workflows_order_of_precedence() -> None:
    assert [r.value for r in Rule] == [
        "tests-failed",
        "errors",
        "blocking-removed",
        "tradeoff",
        "threshold",
        "confirmed",
        "regression",
        "noise",
        "unproven",
        "person",
    ]
    assert Rule.TESTS_FAILED.rank < Rule.BLOCKING_REMOVED.rank < Rule.THRESHOLD.rank


def test_each_rule_gives_one_verdict_and_a_mismatch_is_refused() -> None:
    assert Rule.UNPROVEN.verdict is Verdict.INCONCLUSIVE
    assert Rule.NOISE.verdict is Verdict.DISCARD
    with pytest.raises(ValueError, match="gives DISCARD"):
        Ruling(Verdict.KEEP, Rule.NOISE, "x")
    with pytest.raises(ValueError, match="person chooses"):
        Ruling(Verdict.TRADEOFF, Rule.PERSON, "x")
    assert Ruling(Verdict.KEEP, Rule.PERSON, "chose it").status == "KEEP"


def test_inconclusive_is_logged_as_discard_and_a_tradeoff_waits_for_a_person() -> None:
    assert Verdict.INCONCLUSIVE.status == "DISCARD"
    assert Verdict.TRADEOFF.status is None
    unproven = Ruling(Verdict.INCONCLUSIVE, Rule.UNPROVEN, "budget of 20 s spent")
    assert "noise" not in unproven.line()
    assert unproven.line().startswith("INCONCLUSIVE [unproven]: budget of 20 s spent")


def test_the_highest_rule_wins() -> None:
    gain = Ruling(Verdict.KEEP, Rule.THRESHOLD, "p50 30% lower")
    tests = Ruling(Verdict.DISCARD, Rule.TESTS_FAILED, "2 tests failed")
    blocking = Ruling(Verdict.KEEP, Rule.BLOCKING_REMOVED, "debug mode: 1 before, 0 after")
    assert highest(gain, None, blocking, tests) is tests
    assert highest(gain, blocking) is blocking
    assert highest(None) is None


def test_typed_numbers_say_so_and_round_trip_through_json() -> None:
    typed = Ruling(
        Verdict.KEEP,
        Rule.THRESHOLD,
        "p50 12% lower",
        Evidence(Source.TYPED, facts={"latency_change": -12.0}),
    )
    assert "typed, not measured" in typed.line()
    back = Ruling.from_dict(json.loads(json.dumps(typed.to_dict())))
    assert back == typed
    measured = typed.with_evidence(Evidence(Source.MEASURED, ref="runs/x-compare.json"))
    assert "measured (runs/x-compare.json)" in measured.line()
    with pytest.raises(ValueError, match="not a ruling"):
        Ruling.from_dict({"verdict": "MAYBE", "rule": "noise"})
    assert "<b>KEEP</b>" in measured._repr_html_()
