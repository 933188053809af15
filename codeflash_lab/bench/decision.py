"""The A/B verdict over per-run metrics (pure): screen, noise gate, robust keep rule.

Rules (from Monte-Carlo checks of decision rules on this class of machine):

- *Screen* after one A,B round: nothing moved by half the threshold in the good
  direction and nothing regressed by the threshold → DISCARD, stop.
- *Noise gate* per criterion, from the larger across-run CV of the two arms:
  CV ≤ 3% decides with 4 runs per arm, CV ≤ 6% needs 8, above that the criterion
  is too noisy — unless B separates completely from A by at least 4x the CV, with
  at least 3 runs per arm.
- *Better*: ratio of medians at least ``threshold`` in the good direction **and**
  median(B) better than the best A run. *Worse*: the mirror image.
- KEEP: some criterion better and none worse; TRADEOFF: both; INCONCLUSIVE: the
  only candidates failed the noise gate; DISCARD otherwise, and always when B fails
  a larger share of its operations than A (a faster failure is not a gain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from codeflash_lab.bench.checks import MIN_OPS_FOR_P99
from codeflash_lab.bench.model import Run
from codeflash_lab.bench.stats import (
    bootstrap_ratio_ci,
    coefficient_of_variation,
    mann_whitney_u,
    median,
)

__all__ = [
    "CRITERIA",
    "Criterion",
    "Decision",
    "decide",
    "error_rate",
    "evaluate_criterion",
    "metric_values",
    "runs_needed",
    "screen",
]

CRITERIA = ("p50", "p99", "throughput")
_LOWER_IS_BETTER = {"p50": True, "p99": True, "throughput": False}
QUIET_CV = 0.03
NOISY_CV = 0.06
SEPARATION_FACTOR = 4.0
#: Runs per arm below which even a complete separation is not trusted (3 vs 3 separates
#: by chance once in 20 tries in each direction).
MIN_SEPARATED_RUNS = 3
#: B may fail this much more often than A (as a share of ops) before it is a regression.
ERROR_RATE_MARGIN = 0.001


def error_rate(runs: Sequence[Run]) -> float:
    """Failed ops over all ops of an arm (0 without ops)."""
    total = sum(r.ops for r in runs)
    return sum(r.errors for r in runs) / total if total else 0.0


def metric_values(runs: Sequence[Run], name: str) -> list[float]:
    """Per-run values of a criterion (runs without successful ops are skipped)."""
    if name == "throughput":
        return [r.throughput_ops_s for r in runs]
    return [r.latency_ms[name] for r in runs if r.ok_ops]


def runs_needed(cv: float | None) -> int | None:
    """Runs per arm the noise gate asks for at this CV (``None``: too noisy to decide)."""
    if cv is None or cv <= QUIET_CV:
        return 4
    if cv <= NOISY_CV:
        return 8
    return None


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of an A/B comparison.

    Attributes:
        name: ``p50``, ``p99`` or ``throughput``.
        ratio: median(B) / median(A).
        change_pct: ``(ratio - 1) * 100`` (negative = B lower).
        gain: improvement as a fraction (positive = B better, for either direction).
        min_ratio: smallest per-round B/A ratio.
        max_ratio: largest per-round B/A ratio.
        mwu_p: exact two-sided Mann-Whitney p over runs.
        mwu_p_min: the smallest p these run counts can give.
        ci: bootstrap 95% CI of the ratio (``None`` below 5 runs per arm).
        cv: the larger across-run CV of the two arms.
        better: passes the keep rule and the noise gate.
        worse: regressed by the threshold under the robust rule.
        decidable: the noise gate lets this criterion decide at these run counts.
        needs_runs: runs per arm the gate asks for (``None``: too noisy).
        low_confidence: p99 from fewer than 2000 ops per run (not used to decide).
    """

    name: str
    ratio: float
    change_pct: float
    gain: float
    min_ratio: float
    max_ratio: float
    mwu_p: float
    mwu_p_min: float
    ci: tuple[float, float] | None
    cv: float | None
    better: bool
    worse: bool
    decidable: bool
    needs_runs: int | None
    low_confidence: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``ci`` as a list or ``None``)."""
        return {
            "ratio": self.ratio,
            "change_pct": self.change_pct,
            "min_ratio": self.min_ratio,
            "max_ratio": self.max_ratio,
            "mwu_p": self.mwu_p,
            "mwu_p_min": self.mwu_p_min,
            "ci": list(self.ci) if self.ci is not None else None,
            "cv_pct": None if self.cv is None else self.cv * 100,
            "better": self.better,
            "worse": self.worse,
            "decidable": self.decidable,
            "low_confidence": self.low_confidence,
        }


def evaluate_criterion(
    name: str,
    a: Sequence[float],
    b: Sequence[float],
    *,
    threshold: float = 0.10,
    low_confidence: bool = False,
) -> Criterion:
    """Compare one criterion's per-run values.

    Args:
        name: ``p50``, ``p99`` or ``throughput``.
        a: per-run values of A, in the order taken.
        b: per-run values of B, in the order taken (paired with ``a`` by position).
        threshold: smallest gain that counts (0.10 = 10%).
        low_confidence: never mark better/worse (reported only).

    Raises:
        ValueError: unknown ``name`` or an empty arm.
    """
    if name not in _LOWER_IS_BETTER:
        raise ValueError(f"name: expected one of {CRITERIA}, got {name!r}")
    if not a or not b:
        raise ValueError("a, b: each arm needs at least one run")
    lower = _LOWER_IS_BETTER[name]
    ma, mb = median(a), median(b)
    ratio = mb / ma if ma else float("inf")
    gain = (1.0 - ratio) if lower else (ratio - 1.0)
    pairs = [y / x for x, y in zip(a, b, strict=False) if x]
    best_a = min(a) if lower else max(a)
    worst_a = max(a) if lower else min(a)
    beats_best = mb < best_a if lower else mb > best_a
    below_worst = mb > worst_a if lower else mb < worst_a
    cvs = [c for c in (coefficient_of_variation(a), coefficient_of_variation(b)) if c is not None]
    cv = max(cvs) if cvs else None
    needed = runs_needed(cv)
    n = min(len(a), len(b))
    separated = (max(b) < min(a)) if lower else (min(b) > max(a))
    big_and_separated = (
        separated and cv is not None and n >= MIN_SEPARATED_RUNS
        and abs(gain) >= SEPARATION_FACTOR * cv
    )  # fmt: skip
    decidable = (needed is not None and n >= needed) or big_and_separated
    mwu = mann_whitney_u(a, b)
    better = not low_confidence and decidable and gain >= threshold and beats_best
    worse = not low_confidence and gain <= -threshold and below_worst
    return Criterion(
        name=name,
        ratio=ratio,
        change_pct=(ratio - 1.0) * 100.0,
        gain=gain,
        min_ratio=min(pairs) if pairs else ratio,
        max_ratio=max(pairs) if pairs else ratio,
        mwu_p=mwu.p,
        mwu_p_min=mwu.p_min,
        ci=bootstrap_ratio_ci(a, b),
        cv=cv,
        better=better,
        worse=worse,
        decidable=decidable,
        needs_runs=needed,
        low_confidence=low_confidence,
    )


def _criteria(a: Sequence[Run], b: Sequence[Run], threshold: float) -> dict[str, Criterion]:
    few_ops = min(r.ok_ops for r in (*a, *b)) < MIN_OPS_FOR_P99
    out = {}
    for name in CRITERIA:
        av, bv = metric_values(a, name), metric_values(b, name)
        if av and bv:
            out[name] = evaluate_criterion(
                name, av, bv, threshold=threshold, low_confidence=name == "p99" and few_ops
            )
    return out


@dataclass(frozen=True, slots=True)
class Decision:
    """A verdict with its reason and evidence.

    Attributes:
        verdict: ``KEEP``, ``DISCARD``, ``INCONCLUSIVE`` or ``TRADEOFF``.
        reason: why, in words.
        criteria: per-criterion evidence.
        regression: some criterion is worse by the threshold (for ``--fail-on regression``).
        small_change: for changes under the threshold: ``"confirmed"`` (a 3% or larger gain
            that every round shows, with the arms fully separated and the noise gate passed)
            or ``"noise"``; ``None`` when a criterion reached the threshold.
        needs_runs: more runs per arm would let the noise gate decide (``None``: no).
    """

    verdict: str
    reason: str
    criteria: dict[str, Criterion] = field(default_factory=dict)
    regression: bool = False
    small_change: str | None = None
    needs_runs: int | None = None


def screen(a: Sequence[Run], b: Sequence[Run], *, threshold: float = 0.10) -> Decision | None:
    """After one A,B round: a DISCARD when nothing moved, else ``None`` (go on and confirm)."""
    crit = _criteria(a, b, threshold)
    moved = [c for c in crit.values() if not c.low_confidence and c.gain >= threshold / 2]
    regressed = [c for c in crit.values() if not c.low_confidence and c.gain <= -threshold]
    if moved or regressed or not crit:
        return None
    return Decision(
        "DISCARD",
        f"screen: no criterion moved by {threshold / 2:.0%} or more " + _changes(crit.values()),
        crit,
        small_change="noise",
    )


def _changes(crit: Any) -> str:
    return "(" + ", ".join(f"{c.name} {c.change_pct:+.1f}%" for c in crit) + ")"


def _small_change(crit: dict[str, Criterion], threshold: float) -> str:
    for c in crit.values():
        if c.low_confidence or not 0.03 <= c.gain < threshold:
            continue
        lower = _LOWER_IS_BETTER[c.name]
        every_round = c.max_ratio < 1.0 if lower else c.min_ratio > 1.0
        separated = c.mwu_p <= c.mwu_p_min * (1 + 1e-9)  # no A run beats any B run
        if every_round and separated and c.decidable:
            return "confirmed"
    return "noise"


def decide(
    a: Sequence[Run], b: Sequence[Run], *, threshold: float = 0.10, max_runs: int = 8
) -> Decision:
    """The verdict over the runs taken so far.

    Args:
        a: A's runs, in order.
        b: B's runs, in order.
        threshold: smallest gain that counts.
        max_runs: runs per arm the caller is willing to take; when the noise gate asks
            for more (and no more than this) ``needs_runs`` says how many.

    Returns:
        The decision.
    """
    crit = _criteria(a, b, threshold)
    if not crit:
        return Decision("INCONCLUSIVE", "no successful ops in one of the arms", crit)
    rate_a, rate_b = error_rate(a), error_rate(b)
    if rate_b > rate_a + ERROR_RATE_MARGIN:
        return Decision(
            "DISCARD",
            f"B fails more operations: {rate_b:.1%} of ops vs {rate_a:.1%} for A "
            f"{_changes(crit.values())}",
            crit,
            regression=True,
        )
    n = min(len(a), len(b))
    better = [c for c in crit.values() if c.better]
    worse = [c for c in crit.values() if c.worse]
    changes = _changes(crit.values())
    if better and worse:
        return Decision(
            "TRADEOFF",
            f"{', '.join(c.name for c in better)} better but {', '.join(c.name for c in worse)} "
            f"worse by {threshold:.0%} or more {changes}",
            crit,
            regression=True,
        )
    if better:
        return Decision(
            "KEEP",
            f"{', '.join(c.name for c in better)} better by {threshold:.0%} or more, "
            f"median(B) beats the best A run, nothing worse {changes}",
            crit,
        )
    candidates = [
        c for c in crit.values() if not c.low_confidence and c.gain >= threshold and not c.decidable
    ]
    if candidates and not worse:
        wanted = [c.needs_runs for c in candidates if c.needs_runs is not None]
        if wanted and n < max(wanted) <= max_runs:
            return Decision(
                "INCONCLUSIVE",
                f"run spread needs {max(wanted)} runs per arm to decide {changes}",
                crit,
                needs_runs=max(wanted),
            )
        noisiest = max(candidates, key=lambda c: c.cv or 0.0)
        cv_text = f"{noisiest.cv:.1%}" if noisiest.cv is not None else "unknown"
        if wanted and n < max(wanted):
            return Decision(
                "INCONCLUSIVE",
                f"{n} runs per arm; at {noisiest.name} CV {cv_text} the noise gate needs "
                f"{max(wanted)} (raise --runs / --max-runs) {changes}",
                crit,
            )
        return Decision(
            "INCONCLUSIVE",
            f"too noisy: {noisiest.name} CV {cv_text} across runs against a "
            f"{noisiest.gain:.0%} change; use longer runs (--duration), a quieter machine, "
            f"or more runs {changes}",
            crit,
        )
    if worse:
        return Decision(
            "DISCARD",
            f"regression: {', '.join(c.name for c in worse)} worse by {threshold:.0%} or more "
            f"{changes}",
            crit,
            regression=True,
        )
    unsteady = [
        c for c in crit.values() if not c.low_confidence and c.gain >= threshold and c.decidable
    ]
    if unsteady:
        return Decision(
            "DISCARD",
            f"{', '.join(c.name for c in unsteady)} moved by {threshold:.0%} or more but "
            f"median(B) does not beat the best A run: not consistent {changes}",
            crit,
            small_change="noise",
        )
    small = _small_change(crit, threshold)
    words = "real but below threshold" if small == "confirmed" else "no meaningful change"
    return Decision("DISCARD", f"{words} {changes}", crit, small_change=small)
