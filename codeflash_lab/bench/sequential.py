"""Confidence intervals of B's gain over A that stay valid when looked at after every round.

Method: a **group-sequential design with a fixed schedule of looks and weighted Bonferroni
(union-bound) alpha spending**.

- A round is one A run and one B run taken back to back (orders alternate A B, B A, ...
  so a machine that drifts slower or faster moves both arms alike). Each round gives one
  paired log-ratio ``d = log(metric_B / metric_A)``; the rounds are the unit of
  replication.
- The verdict may only be read at the looks of a schedule fixed before the compare starts
  (after rounds 4, 8, 12 and 16 for the full preset). Look ``k`` spends the share ``w_k``
  of the error rate: shares sum to 1 and are in proportion to the look's rounds (10, 20,
  30 and 40 % for the full preset). Its interval is the Student-t interval of the mean of ``d`` at two-sided
  level ``alpha * w_k``, turned into a gain (``1 - exp(d)`` for latency, ``exp(d) - 1``
  for throughput).
- When the time budget cannot hold the rounds up to the next planned look, the compare may
  take one **final look** at the last even number of rounds that fits; it spends the shares
  of every planned look not yet taken. When that look happens depends on the clock, not
  on the measured values, so the spending stays fixed in advance.
- Why it holds its error rate: each look's interval misses the true mean with probability at
  most its ``alpha * w_k``; by the union bound the chance that *any* look's interval misses
  is at most ``alpha * sum(w_k) = alpha``, whatever the correlation between looks and
  whatever rule decides when to stop. A verdict is given only when an interval lies wholly
  inside a zone, so a wrong verdict needs a missed interval: P(wrong verdict) <= alpha per
  criterion (half of it on each side). Stopping early (budget spent, Ctrl-C) only leaves
  unspent alpha. The union bound is conservative, never optimistic.
- **The noise zone has its own, looser error rate** ``beta`` (20 %), read from a
  *one-sided* upper bound of the gain at level ``1 - beta * v_k`` at look ``k``, not from the
  two-sided interval (a non-binding boundary, as group-sequential futility bounds are). The
  same union bound gives: the chance that a change whose true gain reaches the floor is ever
  called noise is at most ``beta * sum(v_k) = beta``. That error costs a small gain, never a
  wrong KEEP: KEEP and regression are still read from the two-sided interval at ``alpha``,
  so their error rates above do not move. A noise bound under minus the floor (a loss
  beyond the floor) is not called noise from this bound alone, only when the two-sided
  interval also rules out the floor, so that a regression is still told as one. The shares
  ``v_k`` lean early (40, 30, 20 and 10 % for the full preset): a change that does nothing
  is best told at an early look, and the compares that cannot settle are ended by the
  futility stop (:mod:`codeflash_lab.bench.futility`). Why: reading noise from the
  two-sided interval needed it to shrink inside (-3 %, +3 %); in replay at a run CV of
  1.5 % an A against A took a median of 12 rounds, at 5 % most compares ended INCONCLUSIVE
  (``benchmarks/simulate_decisions.py``, with and without ``--two-sided-noise``).
- Why the weights lean late: an early look has few degrees of freedom and a wide interval
  whatever alpha it gets, so most of the error rate is worth more where the interval is
  narrow. In simulation (``tests/test_bench_decision_simulation.py`` and
  ``benchmarks/simulate_decisions.py``) this finds more real gains within
  the same budget than equal shares or than demanding that two consecutive looks agree,
  at the same false-KEEP rate.
- Assumptions: the paired log-ratios of a compare are independent and roughly normal with
  one mean (alternating orders keep a linear drift out of the mean). Raw runs on a busy
  machine are strongly correlated in time, but pairing removes most of it: in the recorded
  runs of ``tests/data/noisy_runs.json`` (lag-1 correlation 0.73 between runs) the paired
  log-ratios have a lag-1 correlation of -0.21. Runs lengthened at a round boundary lower
  the spread of later rounds; the pooled standard deviation still estimates the spread of
  the mean, a little conservatively.

Pure functions over numbers: no I/O, no clock.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codeflash_lab.bench.stats import student_t_ppf
from codeflash_lab.verdicts import FLOOR_PCT, THRESHOLD_PCT

__all__ = [
    "FULL_LOOKS",
    "QUICK_LOOKS",
    "Design",
    "GainInterval",
    "gain_interval",
    "paired_log_ratios",
    "zone",
]

#: Looks of the full compare. Few looks, spread out, every one after an even number of
#: rounds, so each arm has run first as often as second (an order effect cancels in the
#: mean); the first look has 3 degrees of freedom.
FULL_LOOKS: tuple[int, ...] = (4, 8, 12, 16)
#: Looks of the short preset (20-30 s).
QUICK_LOOKS: tuple[int, ...] = (4, 8, 12)


def _normalised(weights: Sequence[float]) -> tuple[float, ...]:
    total = sum(weights)
    return tuple(w / total for w in weights)


@dataclass(frozen=True, slots=True)
class Design:
    """A fixed schedule of looks and the error rate spent over it.

    Attributes:
        looks: the rounds after which the interval is read, ascending; the first one is
            the fewest rounds (runs per arm) the method needs.
        alpha: two-sided error rate per criterion over all looks together.
        threshold: a gain this large (fraction) is a KEEP.
        floor: the smallest gain worth keeping when the runs confirm it (fraction).
        spend: relative share of ``alpha`` spent at each look (default: in proportion to
            each look's rounds, see :attr:`shares`).
        beta: chance, over all looks together, of calling a change whose true gain reaches
            the floor "noise", spent on a one-sided upper bound (see :func:`zone`).
        noise_spend: relative share of ``beta`` spent at each look (default: leaning early,
            the looks' rounds in reverse order, see :attr:`noise_shares`).
    """

    looks: tuple[int, ...] = FULL_LOOKS
    alpha: float = 0.05
    threshold: float = THRESHOLD_PCT / 100
    floor: float = FLOOR_PCT / 100
    spend: tuple[float, ...] | None = None
    beta: float = 0.20
    noise_spend: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not self.looks or self.looks[0] < 3 or list(self.looks) != sorted(set(self.looks)):
            raise ValueError(f"looks: ascending rounds starting at 3 or more, got {self.looks}")
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha: must be within (0, 1), got {self.alpha}")
        if not 0.0 < self.beta < 0.5:
            raise ValueError(f"beta: must be within (0, 0.5), got {self.beta}")
        if not 0.0 < self.floor < self.threshold:
            raise ValueError(
                f"floor, threshold: need 0 < floor < threshold, got {self.floor}, {self.threshold}"
            )
        for name in ("spend", "noise_spend"):
            given = getattr(self, name)
            if given is not None and (len(given) != len(self.looks) or any(w <= 0 for w in given)):
                raise ValueError(
                    f"{name}: one positive share per look ({len(self.looks)}), got {given}"
                )

    @property
    def shares(self) -> tuple[float, ...]:
        """Share of the error rate spent at each look; sums to 1.

        Without ``spend``, each look's share is in proportion to its rounds: 10, 20, 30 and
        40 % for the full looks 4, 8, 12, 16.
        """
        return _normalised(self.spend or tuple(float(n) for n in self.looks))

    @property
    def noise_shares(self) -> tuple[float, ...]:
        """Share of ``beta`` spent at each look; sums to 1.

        Without ``noise_spend`` it leans early, the reverse of :attr:`shares`: 40, 30, 20
        and 10 % for the full looks 4, 8, 12, 16. A change that does nothing is best told
        early; the futility stop ends the rest.
        """
        return _normalised(self.noise_spend or tuple(float(n) for n in reversed(self.looks)))

    def share_at(self, rounds: int, *, final: bool = False, noise: bool = False) -> float:
        """Share of the error rate (``noise``: of ``beta``) spent at the look after
        ``rounds`` rounds.

        Args:
            rounds: a planned look, or (``final``) the rounds of the budget's final look.
            final: the last look of this compare, taken when the budget cannot hold the next
                planned one: it spends the shares of every planned look not yet taken
                (those at ``rounds`` or later).
            noise: the share of ``beta`` (:attr:`noise_shares`) instead of ``alpha``'s.

        Raises:
            ValueError: ``rounds`` is not a planned look and not ``final``.
        """
        shares = self.noise_shares if noise else self.shares
        if final:
            return sum(w for n, w in zip(self.looks, shares, strict=True) if n >= rounds)
        if rounds in self.looks:
            return shares[self.looks.index(rounds)]
        raise ValueError(f"rounds: {rounds} is not a look of {self.looks}")

    def confidence_at(self, rounds: int, *, final: bool = False) -> float:
        """Two-sided confidence of the interval read after ``rounds`` rounds (see
        :meth:`share_at` for the arguments)."""
        return 1.0 - self.alpha * self.share_at(rounds, final=final)

    def noise_confidence_at(self, rounds: int, *, final: bool = False) -> float:
        """One-sided confidence of the upper bound the noise zone is read from (see
        :meth:`share_at` for the arguments)."""
        return 1.0 - self.beta * self.share_at(rounds, final=final, noise=True)

    @property
    def min_rounds(self) -> int:
        """Rounds (runs per arm) before the first look."""
        return self.looks[0]

    @property
    def max_rounds(self) -> int:
        """Rounds at the last look."""
        return self.looks[-1]

    def look_at(self, rounds: int) -> int | None:
        """The last look at or before ``rounds`` (``None`` before the first)."""
        done = [n for n in self.looks if n <= rounds]
        return done[-1] if done else None

    def next_look(self, rounds: int) -> int | None:
        """The first look after ``rounds`` (``None`` after the last)."""
        return next((n for n in self.looks if n > rounds), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "method": "group-sequential t, weighted Bonferroni alpha spending over fixed looks",
            "looks": list(self.looks),
            "alpha": self.alpha,
            "spend": list(self.shares),
            "confidence_per_look": [self.confidence_at(n) for n in self.looks],
            "beta": self.beta,
            "noise_spend": list(self.noise_shares),
            "noise_confidence_per_look": [self.noise_confidence_at(n) for n in self.looks],
            "threshold": self.threshold,
            "floor": self.floor,
        }


@dataclass(frozen=True, slots=True)
class GainInterval:
    """B's gain over A on one criterion, with its interval at one look.

    Attributes:
        estimate: the gain (fraction; positive = B better, for either direction).
        low: lower bound of the gain.
        high: upper bound of the gain.
        rounds: rounds the interval is computed from.
        confidence: two-sided confidence of this look's interval.
        noise_high: one-sided upper bound of the gain the noise zone is read from
            (``None``: the noise zone reads ``high``).
        noise_confidence: one-sided confidence of ``noise_high``.
    """

    estimate: float
    low: float
    high: float
    rounds: int
    confidence: float
    noise_high: float | None = None
    noise_confidence: float | None = None

    @property
    def noise_bound(self) -> float:
        """The upper bound the noise zone is read from."""
        return self.high if self.noise_high is None else self.noise_high

    def to_dict(self) -> dict[str, Any]:
        """JSON form (percent)."""
        return {
            "gain_pct": self.estimate * 100,
            "low_pct": self.low * 100,
            "high_pct": self.high * 100,
            "rounds": self.rounds,
            "confidence": self.confidence,
            "noise_high_pct": None if self.noise_high is None else self.noise_high * 100,
            "noise_confidence": self.noise_confidence,
        }

    def text(self) -> str:
        """``gain 18.2 % (CI 6.1 to 29.0 %)``."""
        return (
            f"gain {self.estimate * 100:+.1f} % "
            f"(CI {self.low * 100:+.1f} to {self.high * 100:+.1f} %)"
        )

    def noise_text(self) -> str:
        """``gain at most +2.1 % (one-sided 94 %; CI -4.9 to +4.0 %)``: the bound a noise
        verdict rests on, with the two-sided interval."""
        level = (
            ""
            if self.noise_confidence is None
            else f"one-sided {self.noise_confidence * 100:.0f} %; "
        )
        return (
            f"gain at most {self.noise_bound * 100:+.1f} % ({level}"
            f"CI {self.low * 100:+.1f} to {self.high * 100:+.1f} %)"
        )


def paired_log_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """``log(b_i / a_i)`` of each round (pairs with a non-positive value are skipped)."""
    return [math.log(y / x) for x, y in zip(a, b, strict=False) if x > 0 and y > 0]


def gain_interval(
    a: Sequence[float],
    b: Sequence[float],
    *,
    lower_is_better: bool,
    design: Design,
    rounds: int | None = None,
    final: bool = False,
) -> GainInterval | None:
    """The gain's interval from the first ``rounds`` paired values (``None``: under 2 pairs).

    Args:
        a: per-round values of A, in round order.
        b: per-round values of B, paired with ``a`` by position.
        lower_is_better: latency (``True``) or throughput (``False``).
        design: the look schedule and error rate.
        rounds: rounds to use (default: all complete pairs); a look of ``design``, or the
            budget's final look when ``final``.
        final: read as the final look (see :meth:`Design.confidence_at`).
    """
    n = min(len(a), len(b)) if rounds is None else rounds
    d = paired_log_ratios(a[:n], b[:n])
    if len(d) < 2:
        return None
    confidence = design.confidence_at(n, final=final)
    noise_confidence = design.noise_confidence_at(n, final=final)
    mean = statistics.fmean(d)
    se = statistics.stdev(d) / math.sqrt(len(d))
    half = student_t_ppf(0.5 + confidence / 2, len(d) - 1) * se
    noise_half = student_t_ppf(noise_confidence, len(d) - 1) * se
    lo_d, hi_d = mean - half, mean + half
    if lower_is_better:
        est, low, high = 1 - math.exp(mean), 1 - math.exp(hi_d), 1 - math.exp(lo_d)
        noise_high = 1 - math.exp(mean - noise_half)
    else:
        est, low, high = math.exp(mean) - 1, math.exp(lo_d) - 1, math.exp(hi_d) - 1
        noise_high = math.exp(mean + noise_half) - 1
    return GainInterval(est, low, high, len(d), confidence, noise_high, noise_confidence)


def zone(interval: GainInterval, design: Design) -> str:
    """Where the interval lies: ``better`` (low >= threshold), ``better-small`` (low >=
    floor), ``worse`` (high <= -threshold), ``worse-small`` (high <= -floor), ``flat``
    (no gain worth keeping: the one-sided noise bound lies within (-floor, floor), or the
    two-sided interval's upper end is under the floor) or ``open`` (not yet decided). A
    noise bound under minus the floor points to a loss: it stays open until the two-sided
    interval settles it, so that more rounds can show it as a regression (``--fail-on
    regression``) instead of calling it noise."""
    if interval.low >= design.threshold:
        return "better"
    if interval.low >= design.floor:
        return "better-small"
    if interval.high <= -design.threshold:
        return "worse"
    if interval.high <= -design.floor:
        return "worse-small"
    if interval.noise_bound < design.floor and (
        interval.noise_bound > -design.floor or interval.high < design.floor
    ):
        return "flat"
    return "open"
