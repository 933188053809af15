"""The A/B verdict over per-run metrics: screen, noise gate, keep/tradeoff/discard."""

from __future__ import annotations

import pytest

from codeflash_lab.bench.decision import (
    decide,
    evaluate_criterion,
    runs_needed,
    screen,
)
from codeflash_lab.bench.model import Run


def run(
    p50: float, throughput: float, *, p99: float | None = None, ops: int = 5000, errors: int = 0
) -> Run:
    p99 = p99 if p99 is not None else p50 * 1.5
    return Run(
        index=0,
        mode="closed",
        concurrency=1,
        ok_ops=ops,
        errors=errors,
        error_kinds={},
        first_error=None,
        elapsed_s=1.0,
        throughput_ops_s=throughput,
        latency_ms={
            "p50": p50,
            "p90": p50 * 1.2,
            "p99": p99,
            "p999": p99 * 1.1,
            "max": p99 * 2,
            "min": p50 / 2,
            "mean": p50,
            "std": 0.1,
        },
    )


def arm(p50s: list[float], xs: list[float], p99s: list[float] | None = None) -> list[Run]:
    p99s = p99s or [p * 1.5 for p in p50s]
    return [run(p, x, p99=q) for p, x, q in zip(p50s, xs, p99s, strict=True)]


QUIET_A = arm([10.0, 10.1, 9.95, 10.05], [100.0, 99.0, 100.5, 99.5])


def test_runs_needed_follows_the_noise_gate() -> None:
    assert runs_needed(0.02) == 4
    assert runs_needed(0.05) == 8
    assert runs_needed(0.08) is None
    assert runs_needed(None) == 4


def test_clear_quiet_improvement_is_kept() -> None:
    b = arm([8.0, 8.05, 7.95, 8.02], [125.0, 124.0, 126.0, 125.5])
    d = decide(QUIET_A, b)
    assert d.verdict == "KEEP", d.reason
    assert d.criteria["p50"].better
    assert d.criteria["p50"].change_pct == pytest.approx(-20.0, abs=1.0)
    assert d.criteria["throughput"].change_pct > 0
    assert d.criteria["p50"].mwu_p_min == pytest.approx(2 / 70)
    assert d.criteria["p50"].ci is None  # fewer than 5 runs per arm
    assert not d.regression


def test_identical_arms_are_discarded_as_noise() -> None:
    b = arm([10.02, 9.97, 10.08, 10.0], [99.8, 100.2, 99.4, 100.1])
    d = decide(QUIET_A, b)
    assert d.verdict == "DISCARD"
    assert d.small_change == "noise"
    assert "no meaningful change" in d.reason


def test_consistent_small_gain_is_confirmed_below_threshold() -> None:
    b = arm([9.5, 9.55, 9.45, 9.5], [105.0, 104.5, 105.5, 105.2])
    d = decide(QUIET_A, b)
    assert d.verdict == "DISCARD"
    assert d.small_change == "confirmed"
    assert "below threshold" in d.reason


def test_p50_gain_with_p99_regression_is_a_tradeoff() -> None:
    b = arm([8.0, 8.05, 7.95, 8.02], [125.0, 124.0, 126.0, 125.5], [20.0, 21.0, 20.5, 20.8])
    d = decide(QUIET_A, b)
    assert d.verdict == "TRADEOFF"
    assert d.regression
    assert d.criteria["p99"].worse


def test_regression_is_discarded_and_flagged() -> None:
    b = arm([12.5, 12.6, 12.4, 12.55], [80.0, 79.0, 81.0, 80.5])
    d = decide(QUIET_A, b)
    assert d.verdict == "DISCARD"
    assert d.regression
    assert "regression" in d.reason


def test_noisy_runs_are_inconclusive_with_the_measured_cv() -> None:
    a = arm([10.0, 12.0, 8.5, 11.0], [100.0, 85.0, 118.0, 92.0])
    b = arm([8.8, 10.5, 7.6, 9.9], [112.0, 95.0, 130.0, 102.0])
    d = decide(a, b)
    assert d.verdict == "INCONCLUSIVE"
    assert "too noisy" in d.reason
    assert "CV" in d.reason


def test_moderate_noise_asks_for_more_runs() -> None:
    # CV about 5%: separated, but a 15% gain is under 4x the CV, so 8 runs are needed
    a = arm([10.0, 10.6, 9.5, 10.4], [100.0, 94.0, 106.0, 96.0])
    b = arm([8.6, 9.0, 8.2, 8.8], [116.0, 111.0, 122.0, 114.0])
    d = decide(a, b, max_runs=8)
    assert d.verdict == "INCONCLUSIVE"
    assert d.needs_runs == 8


def test_large_separated_change_passes_even_when_noisy() -> None:
    a = arm([10.0, 11.0, 9.0, 10.5], [100.0, 91.0, 111.0, 95.0])
    b = arm([5.0, 5.4, 4.6, 5.2], [200.0, 185.0, 215.0, 192.0])
    d = decide(a, b)
    assert d.verdict == "KEEP", d.reason


def test_screen_stops_when_nothing_moved() -> None:
    d = screen([run(10.0, 100.0)], [run(10.1, 99.5)])
    assert d is not None
    assert d.verdict == "DISCARD"
    assert screen([run(10.0, 100.0)], [run(9.0, 111.0)]) is None


def test_p99_from_few_ops_is_reported_but_not_decisive() -> None:
    a = [run(10.0, 100.0, ops=500) for _ in range(4)]
    b = [run(10.0, 100.0, p99=30.0, ops=500) for _ in range(4)]
    d = decide(a, b)
    assert d.criteria["p99"].low_confidence
    assert not d.regression


def test_bootstrap_ci_appears_at_five_runs() -> None:
    crit = evaluate_criterion("p50", [10.0, 10.1, 9.9, 10.0, 10.05], [8.0, 8.1, 7.9, 8.0, 8.05])
    assert crit.ci is not None
    assert crit.ci[1] < 1.0
    with pytest.raises(ValueError, match="name"):
        evaluate_criterion("p75", [1.0], [1.0])


def test_faster_but_failing_candidate_is_a_regression() -> None:
    b = [
        run(p, x, errors=500) for p, x in ((8.0, 125.0), (8.05, 124.0), (7.95, 126.0), (8.0, 125.0))
    ]
    d = decide(QUIET_A, b)
    assert d.verdict == "DISCARD"
    assert d.regression
    assert "fails more operations" in d.reason


def test_too_few_runs_say_so_instead_of_blaming_noise() -> None:
    a = arm([10.0, 10.1], [100.0, 99.0])
    b = arm([8.0, 8.05], [125.0, 124.0])
    d = decide(a, b, max_runs=3)
    assert d.verdict == "INCONCLUSIVE"
    assert "2 runs per arm" in d.reason
