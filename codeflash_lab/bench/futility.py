"""Stopping early when more rounds are unlikely to settle the compare (pure).

A compare whose change does nothing measurable on a noisy machine would otherwise take its
whole budget to say INCONCLUSIVE. After a look that settles nothing, each deciding criterion
gets its **conditional power**: the chance that the interval read at the last round the
budget can still hold would lie in a zone, if the true gain were what the rounds so far
estimate. In the log scale of the gain ``g`` (``-log(B/A)`` for latency, ``log(B/A)`` for
throughput) every zone boundary that matters sits at the floor ``c``: the final look
settles when ``g_N - h_N >= c`` (a gain; ``h_N`` the two-sided half-width at the final
look's ``alpha``), when ``g_N + h_N < c`` (no gain worth keeping, or a loss), or when
``-c < g_N + k_N < c`` (noise read from the one-sided noise bound, ``k_N`` its half-width
at ``beta``; a bound under ``-c`` points to a loss, left to the two-sided interval). With
``n`` rounds taken, mean ``m`` and spread ``s``, ``g_N`` is normal around ``m`` with
standard deviation ``s * sqrt(N - n) / N``. When no criterion has a chance of
at least :data:`MIN_POWER`, the compare stops there as INCONCLUSIVE. The first look is
never used for this: with 3 degrees of freedom its spread is too rough to give up on.

Why the error rates stay as :mod:`codeflash_lab.bench.sequential` states them: this rule can
only *stop* a compare without a verdict. It never gives a KEEP, a DISCARD or a regression,
so it cannot add a wrong one; it only gives up chances to settle (a non-binding futility
stop). What it costs in power, and saves in time, ``benchmarks/simulate_decisions.py``
prints against the loop without it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from codeflash_lab.bench.checks import MIN_OPS_FOR_P99
from codeflash_lab.bench.decision import CRITERIA, LOWER_IS_BETTER, metric_values
from codeflash_lab.bench.model import Run
from codeflash_lab.bench.sequential import Design, paired_log_ratios
from codeflash_lab.bench.stats import student_t_ppf

__all__ = ["MIN_POWER", "conditional_power", "within_reach"]

#: Below this chance of settling by the last round the budget holds, the compare stops.
MIN_POWER = 0.20


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def conditional_power(
    a: Sequence[float],
    b: Sequence[float],
    *,
    lower_is_better: bool,
    design: Design,
    at_rounds: int,
) -> float:
    """Chance that one criterion's interval lies in a zone after ``at_rounds`` rounds,
    if its true gain is the current estimate.

    Args:
        a: per-round values of A taken so far.
        b: per-round values of B, paired with ``a``.
        lower_is_better: latency (``True``) or throughput (``False``).
        design: the look schedule and error rate.
        at_rounds: the rounds the budget can still reach (at least those taken).
    """
    d = paired_log_ratios(a, b)
    if len(d) < 2:
        return 1.0
    g = [-x for x in d] if lower_is_better else d
    c = -math.log(1 - design.floor) if lower_is_better else math.log(1 + design.floor)
    n, big_n = len(g), max(at_rounds, len(g))
    mean, sd = statistics.fmean(g), statistics.stdev(g)
    last = min(big_n, design.max_rounds)
    se = sd / math.sqrt(big_n)
    half = student_t_ppf(0.5 + design.confidence_at(last, final=True) / 2, big_n - 1) * se
    noise_half = student_t_ppf(design.noise_confidence_at(last, final=True), big_n - 1) * se
    spread = sd * math.sqrt(big_n - n) / big_n
    if spread <= 0:
        settled = mean >= c + half or mean < c - half or -c < mean + noise_half < c
        return 1.0 if settled else 0.0

    def below(x: float) -> float:
        return _normal_cdf((x - mean) / spread)

    settle = 1.0 - below(c + half) + below(c - half)
    noise_from = max(-c - noise_half, c - half)
    if c - noise_half > noise_from:
        settle += below(c - noise_half) - below(noise_from)
    return settle


def within_reach(
    a: Sequence[Run],
    b: Sequence[Run],
    *,
    design: Design,
    at_rounds: int,
    min_power: float = MIN_POWER,
) -> bool:
    """Whether some deciding criterion has at least ``min_power`` chance to settle by
    ``at_rounds`` rounds (:func:`conditional_power`).

    ``True`` when in doubt (before the design's second look, no successful ops): only a
    clear case stops.
    """
    runs = (*a, *b)
    second = design.looks[1] if len(design.looks) > 1 else design.looks[0]
    if min(len(a), len(b)) < max(second, 2) or not all(r.ok_ops for r in runs):
        return True
    few_ops = min(r.ok_ops for r in runs) < MIN_OPS_FOR_P99
    for name in CRITERIA:
        if name == "p99" and few_ops:
            continue
        power = conditional_power(
            metric_values(a, name),
            metric_values(b, name),
            lower_is_better=LOWER_IS_BETTER[name],
            design=design,
            at_rounds=at_rounds,
        )
        if power >= min_power:
            return True
    return False
