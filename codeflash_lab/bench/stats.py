"""Pure statistics over per-op latencies and per-run metrics (no I/O, no global state).

The unit of replication for A/B decisions is the *run*: these functions are applied
to per-run metrics (one p50, p99 or throughput per run), never to single ops.
``percentile``, ``quantile_ci`` and ``summarize_latencies`` are the measuring child's
(``codeflash_lab/_child/_cflab_stats.py``, standard library only), so a run measured
in-process and one measured in the project's interpreter are summarized by the same code.
"""

from __future__ import annotations

import functools
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import comb

from codeflash_lab._child._cflab_stats import percentile, quantile_ci, summarize_latencies

__all__ = [
    "MannWhitneyResult",
    "bootstrap_ratio_ci",
    "coefficient_of_variation",
    "mann_whitney_u",
    "median",
    "percentile",
    "percentiles",
    "quantile_ci",
    "ratio_of_medians",
    "student_t_cdf",
    "student_t_ppf",
    "summarize_latencies",
]


def percentiles(values: Sequence[float], qs: Sequence[float]) -> dict[float, float]:
    """Several percentiles of unsorted values (sorted once).

    Args:
        values: the sample (at least one value).
        qs: percentiles in ``[0, 100]``.

    Returns:
        ``{q: value}`` for every requested ``q``.
    """
    ordered = sorted(values)
    return {q: percentile(ordered, q) for q in qs}


def median(values: Sequence[float]) -> float:
    """The median (mean of the two middle values for an even count).

    Raises:
        ValueError: ``values`` is empty.
    """
    if not values:
        raise ValueError("values: needs at least one value")
    return float(statistics.median(values))


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """Sample standard deviation over the mean (``n - 1`` in the denominator).

    Returns:
        The CV as a fraction (0.05 = 5%), or ``None`` with fewer than two values or a
        zero mean.
    """
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    if mean == 0:
        return None
    return statistics.stdev(values) / abs(mean)


def ratio_of_medians(a: Sequence[float], b: Sequence[float]) -> float:
    """``median(b) / median(a)``: below 1 when B's values are smaller.

    Raises:
        ValueError: either side is empty or ``median(a)`` is zero.
    """
    ma = median(a)
    if ma == 0:
        raise ValueError("a: median is zero, the ratio is undefined")
    return median(b) / ma


@dataclass(frozen=True, slots=True)
class MannWhitneyResult:
    """An exact Mann-Whitney U test.

    Attributes:
        u: the U statistic of the first sample (pairs where ``a > b``, ties count 1/2).
        p: the exact two-sided p-value (conditional on ties).
        p_min: the smallest p-value these sample sizes (and ties) can produce; with 3 vs 3
            it is 0.10, so such a test can never reach 0.05.
    """

    u: float
    p: float
    p_min: float


def _midranks(pooled: Sequence[float]) -> list[float]:
    order = sorted(range(len(pooled)), key=lambda i: pooled[i])
    ranks = [0.0] * len(pooled)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and pooled[order[j + 1]] == pooled[order[i]]:
            j += 1
        rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = rank
        i = j + 1
    return ranks


def _rank_sum_counts(doubled_ranks: Sequence[int], n: int) -> dict[int, int]:
    # ways[k][s]: subsets of size k of the ranks seen so far whose doubled rank sum is s.
    ways: list[dict[int, int]] = [{0: 1}] + [{} for _ in range(n)]
    for r in doubled_ranks:
        for k in range(n, 0, -1):
            prev = ways[k - 1]
            cur = ways[k]
            for s, c in prev.items():
                cur[s + r] = cur.get(s + r, 0) + c
    return ways[n]


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> MannWhitneyResult:
    """Exact two-sided Mann-Whitney U test of ``a`` against ``b``.

    The null distribution is the exact permutation distribution of the rank sum of
    ``a`` (midranks for ties), enumerated by dynamic programming, so it stays exact
    with ties and small samples. Meant for per-run metrics (a handful per arm).

    Args:
        a: first sample (at least one value).
        b: second sample (at least one value).

    Returns:
        U, the two-sided p-value and the minimum achievable p-value.

    Raises:
        ValueError: a sample is empty or larger than 200 values.
    """
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        raise ValueError("a, b: both samples need at least one value")
    if n + m > 200:
        raise ValueError("a, b: exact test limited to 200 values in all")
    ranks = _midranks([*a, *b])
    doubled = [round(2 * r) for r in ranks]
    observed = sum(doubled[:n])
    counts = _rank_sum_counts(doubled, n)
    total = comb(n + m, n)
    centre = n * (n + m + 1)  # doubled expected rank sum
    dist_obs = abs(observed - centre)
    extreme = sum(c for s, c in counts.items() if abs(s - centre) >= dist_obs)
    furthest = max(abs(s - centre) for s in counts)
    most_extreme = sum(c for s, c in counts.items() if abs(s - centre) >= furthest)
    u = observed / 2 - n * (n + 1) / 2
    return MannWhitneyResult(u=u, p=min(1.0, extreme / total), p_min=min(1.0, most_extreme / total))


def bootstrap_ratio_ci(
    a: Sequence[float],
    b: Sequence[float],
    *,
    statistic: Callable[[Sequence[float]], float] = median,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
    min_n: int = 5,
) -> tuple[float, float] | None:
    """Percentile bootstrap CI of ``statistic(b) / statistic(a)`` over runs.

    Each arm is resampled with replacement independently. With fewer than ``min_n``
    values per arm the bootstrap has too few distinct resamples to mean anything
    (3 values give 10), so ``None`` is returned instead of a misleading interval.

    Args:
        a: per-run metric of arm A.
        b: per-run metric of arm B.
        statistic: the per-arm statistic (median by default).
        confidence: two-sided coverage, e.g. 0.95.
        resamples: bootstrap resamples.
        seed: seed of the private random generator (results are reproducible).
        min_n: smallest arm size for which an interval is returned.

    Returns:
        ``(low, high)`` or ``None`` when an arm has fewer than ``min_n`` values.

    Raises:
        ValueError: ``confidence`` is not within (0, 1) or ``resamples`` < 100.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: must be within (0, 1), got {confidence}")
    if resamples < 100:
        raise ValueError(f"resamples: needs at least 100, got {resamples}")
    if min(len(a), len(b)) < min_n:
        return None
    rng = random.Random(seed)
    ratios: list[float] = []
    for _ in range(resamples):
        sa = statistic(rng.choices(a, k=len(a)))
        sb = statistic(rng.choices(b, k=len(b)))
        if sa != 0:
            ratios.append(sb / sa)
    if not ratios:
        return None
    ratios.sort()
    tail = (1.0 - confidence) / 2 * 100
    return percentile(ratios, tail), percentile(ratios, 100 - tail)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    # Lentz's method for the continued fraction of the incomplete beta function.
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for num in (
            m * (b - m) * x / ((a - 1.0 + m2) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2)),
        ):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 3e-14:
            break
    return h


def _regularized_beta(a: float, b: float, x: float) -> float:
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def student_t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom (regularized incomplete beta).

    Raises:
        ValueError: ``df`` is not positive.
    """
    if df <= 0:
        raise ValueError(f"df: must be positive, got {df}")
    tail = 0.5 * _regularized_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


@functools.lru_cache(maxsize=1024)
def student_t_ppf(p: float, df: float) -> float:
    """The ``p``-quantile of Student's t with ``df`` degrees of freedom (bisection on the CDF).

    Raises:
        ValueError: ``p`` outside ``(0, 1)`` or ``df`` not positive.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p: must be within (0, 1), got {p}")
    if p < 0.5:
        return -student_t_ppf(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while student_t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if student_t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0
