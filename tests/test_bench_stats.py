"""Statistics: known answers and properties."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeflash_lab.bench.stats import (
    bootstrap_ratio_ci,
    coefficient_of_variation,
    mann_whitney_u,
    median,
    percentile,
    percentiles,
    quantile_ci,
    ratio_of_medians,
    summarize_latencies,
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def test_percentile_matches_linear_interpolation() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 50) == 2.5
    assert percentile(values, 25) == 1.75
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile([7.0], 99) == 7.0


def test_percentile_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="sorted_values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="q"):
        percentile([1.0], 101)


@given(st.lists(finite, min_size=1, max_size=50))
def test_percentiles_are_monotone_and_bounded(values: list[float]) -> None:
    got = percentiles(values, [0, 10, 50, 90, 99, 100])
    ordered = [got[q] for q in (0, 10, 50, 90, 99, 100)]
    assert all(x <= y + 1e-9 * (abs(x) + abs(y) + 1) for x, y in itertools.pairwise(ordered))
    assert got[0] == min(values)
    assert got[100] == max(values)


@given(st.lists(finite, min_size=1, max_size=30), st.randoms())
def test_median_ignores_order(values: list[float], rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert median(values) == median(shuffled)


def test_coefficient_of_variation() -> None:
    assert coefficient_of_variation([10.0]) is None
    assert coefficient_of_variation([0.0, 0.0]) is None
    assert coefficient_of_variation([10.0, 10.0, 10.0]) == 0.0
    # stdev([9, 11]) = sqrt(2), mean 10
    assert coefficient_of_variation([9.0, 11.0]) == pytest.approx(math.sqrt(2) / 10)


def test_summarize_latencies_in_ms() -> None:
    summary = summarize_latencies([1_000_000, 2_000_000, 3_000_000])
    assert summary["p50"] == pytest.approx(2.0)
    assert summary["max"] == pytest.approx(3.0)
    assert summary["min"] == pytest.approx(1.0)
    assert summary["mean"] == pytest.approx(2.0)
    assert set(summary) == {
        "p50", "p90", "p99", "p999", "max", "min", "mean", "std",
        "p50_lo", "p50_hi", "p99_lo", "p99_hi",
    }  # fmt: skip
    assert summary["p50_lo"] <= summary["p50"] <= summary["p50_hi"]


def test_ratio_of_medians() -> None:
    assert ratio_of_medians([10.0, 10.0, 12.0], [8.0, 8.0, 9.0]) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="a"):
        ratio_of_medians([0.0], [1.0])


@pytest.mark.parametrize(("n", "p_min"), [(3, 0.1), (4, 2 / 70), (5, 2 / 252), (6, 2 / 924)])
def test_mann_whitney_minimum_p_for_equal_arms(n: int, p_min: float) -> None:
    a = [float(i) for i in range(n)]
    b = [float(i + 100) for i in range(n)]
    result = mann_whitney_u(a, b)
    assert result.p_min == pytest.approx(p_min)
    assert result.p == pytest.approx(p_min)  # complete separation is the most extreme case
    assert result.u == 0.0


def test_mann_whitney_known_interleaved_answer() -> None:
    # rank sum of a = 9 (expected 10.5); 14 of the 20 splits are at least as far away.
    result = mann_whitney_u([1.0, 3.0, 5.0], [2.0, 4.0, 6.0])
    assert result.p == pytest.approx(0.7)
    assert result.u == 3.0


def test_mann_whitney_with_ties_and_identical_samples() -> None:
    result = mann_whitney_u([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert result.p == 1.0
    tied = mann_whitney_u([1.0, 2.0, 2.0, 3.0], [2.0, 4.0, 5.0, 6.0])
    assert 0.0 < tied.p <= 1.0
    assert tied.p >= tied.p_min


@settings(max_examples=40)
@given(
    st.lists(finite, min_size=1, max_size=7),
    st.lists(finite, min_size=1, max_size=7),
)
def test_mann_whitney_is_symmetric_and_bounded(a: list[float], b: list[float]) -> None:
    ab = mann_whitney_u(a, b)
    ba = mann_whitney_u(b, a)
    assert ab.p == pytest.approx(ba.p)
    assert 0.0 < ab.p_min <= ab.p <= 1.0
    assert ab.u + ba.u == pytest.approx(len(a) * len(b))


def test_bootstrap_needs_five_runs_per_arm() -> None:
    assert bootstrap_ratio_ci([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]) is None


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(min_value=1, max_value=100), min_size=5, max_size=8),
    st.lists(st.floats(min_value=1, max_value=100), min_size=5, max_size=8),
)
def test_bootstrap_interval_contains_the_point_estimate(a: list[float], b: list[float]) -> None:
    ci = bootstrap_ratio_ci(a, b, resamples=300)
    assert ci is not None
    lo, hi = ci
    point = ratio_of_medians(a, b)
    assert lo <= hi
    assert lo <= point * (1 + 1e-9)
    assert point <= hi * (1 + 1e-9)


def test_bootstrap_is_reproducible_and_separates_clear_changes() -> None:
    a = [10.0, 10.5, 9.8, 10.2, 10.1]
    b = [8.0, 8.2, 7.9, 8.1, 8.05]
    first = bootstrap_ratio_ci(a, b, seed=3)
    assert first == bootstrap_ratio_ci(a, b, seed=3)
    assert first is not None
    assert first[1] < 1.0
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ratio_ci(a, b, confidence=1.5)


def test_quantile_ci_known_ranks_and_narrowing() -> None:
    values = [float(i) for i in range(1, 101)]  # n = 100
    lo, hi = quantile_ci(values, 0.5)
    # ranks 50 -/+ 1.96*5 -> 40 and 60 (0-based indexes), values 41 and 61
    assert (lo, hi) == (41.0, 61.0)
    big = [float(i) for i in range(10_000)]
    lo99, hi99 = quantile_ci(big, 0.99)
    assert lo99 < 9900 < hi99
    assert hi99 - lo99 < 50
    with pytest.raises(ValueError, match="q"):
        quantile_ci(values, 1.0)


@given(st.lists(finite, min_size=2, max_size=60), st.floats(min_value=0.01, max_value=0.99))
def test_quantile_ci_brackets_the_percentile(values: list[float], q: float) -> None:
    ordered = sorted(values)
    lo, hi = quantile_ci(ordered, q)
    assert lo <= hi
    assert ordered[0] <= lo
    assert hi <= ordered[-1]
