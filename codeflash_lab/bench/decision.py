"""The A/B verdict over per-round metrics (pure): zones on the CI of the gain.

At each look of the :class:`~codeflash_lab.bench.sequential.Design` (see that module for
the method and why it holds its error rate) every criterion (p50, throughput, and p99 when
the runs have enough ops for it) gets an interval of B's gain over A. The verdict, in the
order of :class:`~codeflash_lab.verdicts.Rule`:

- ``errors``: B fails a larger share of its operations than A → DISCARD, whatever the
  latency says (a faster failure is not a gain);
- ``tradeoff``: one criterion's interval lies above the floor and another's below minus the
  floor → TRADEOFF for a person;
- ``threshold``: some interval's lower bound ≥ 10 % and none shows a loss → KEEP;
- ``confirmed``: some lower bound ≥ the 3 % floor and none shows a loss → KEEP;
- ``regression``: some upper bound ≤ minus the floor and none shows a gain → DISCARD
  (noise-checked like gains: A against A says "regression" at most alpha of the time);
- ``noise``: the upper bounds of p50 and throughput are below the floor → DISCARD;
- otherwise nothing is settled yet: the compare adds a round, and when its budget is spent
  the verdict is INCONCLUSIVE under ``unproven`` — never "noise".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from codeflash_lab.bench.checks import MIN_OPS_FOR_P99
from codeflash_lab.bench.model import Run
from codeflash_lab.bench.sequential import Design, GainInterval, gain_interval, zone
from codeflash_lab.bench.stats import coefficient_of_variation, median
from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict

__all__ = [
    "CRITERIA",
    "LOWER_IS_BETTER",
    "Criterion",
    "Decision",
    "decide",
    "error_rate",
    "evaluate_criterion",
    "metric_values",
]

CRITERIA = ("p50", "p99", "throughput")
#: Per criterion: lower values are better (latency) or higher (throughput).
LOWER_IS_BETTER = {"p50": True, "p99": True, "throughput": False}
#: B may fail this much more often than A (as a share of ops) before it is the errors rule.
ERROR_RATE_MARGIN = 0.001
#: ... and it must have failed at least this many ops (one stray timeout is not a pattern).
MIN_ERRORS = 3
_GOOD = ("better", "better-small")
_BAD = ("worse", "worse-small")


def error_rate(runs: Sequence[Run]) -> float:
    """Failed ops over all ops of an arm (0 without ops)."""
    total = sum(r.ops for r in runs)
    return sum(r.errors for r in runs) / total if total else 0.0


def metric_values(runs: Sequence[Run], name: str) -> list[float]:
    """Per-run values of a criterion (a run without successful ops gives 0 latency: skipped
    by the paired ratios)."""
    if name == "throughput":
        return [r.throughput_ops_s for r in runs]
    return [r.latency_ms[name] if r.ok_ops else 0.0 for r in runs]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of an A/B comparison.

    Attributes:
        name: ``p50``, ``p99`` or ``throughput``.
        ratio: median(B) / median(A) over all runs.
        change_pct: ``(ratio - 1) * 100`` (negative = B lower).
        gain: improvement as a fraction (positive = B better, for either direction).
        min_ratio: smallest per-round B/A ratio.
        max_ratio: largest per-round B/A ratio.
        interval: the gain's interval at the look that decided (``None`` before one).
        zone: where that interval lies (see :func:`~codeflash_lab.bench.sequential.zone`).
        cv: the larger across-run CV of the two arms.
        low_confidence: p99 from fewer than 2000 ops per run (shown, never decides).
    """

    name: str
    ratio: float
    change_pct: float
    gain: float
    min_ratio: float
    max_ratio: float
    interval: GainInterval | None
    zone: str
    cv: float | None
    low_confidence: bool = False

    @property
    def better(self) -> bool:
        """The interval lies above the floor."""
        return self.zone in _GOOD and not self.low_confidence

    @property
    def worse(self) -> bool:
        """The interval lies below minus the floor."""
        return self.zone in _BAD and not self.low_confidence

    @property
    def ci(self) -> tuple[float, float] | None:
        """The interval as a B/A ratio (``None`` before the first look)."""
        if self.interval is None:
            return None
        lo, hi = self.interval.low, self.interval.high
        if LOWER_IS_BETTER[self.name]:
            return (1 - hi, 1 - lo)
        return (1 + lo, 1 + hi)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "ratio": self.ratio,
            "change_pct": self.change_pct,
            "gain_pct": self.gain * 100,
            "min_ratio": self.min_ratio,
            "max_ratio": self.max_ratio,
            "ci": list(self.ci) if self.ci is not None else None,
            "gain_ci": self.interval.to_dict() if self.interval is not None else None,
            "zone": self.zone,
            "cv_pct": None if self.cv is None else self.cv * 100,
            "better": self.better,
            "worse": self.worse,
            "low_confidence": self.low_confidence,
        }


def evaluate_criterion(
    name: str,
    a: Sequence[float],
    b: Sequence[float],
    *,
    design: Design,
    rounds: int | None = None,
    final: bool = False,
    low_confidence: bool = False,
) -> Criterion:
    """One criterion's statistics; its interval is read at ``rounds`` (a look, or the
    budget's final look when ``final``) when given.

    Raises:
        ValueError: unknown ``name`` or an empty arm.
    """
    if name not in LOWER_IS_BETTER:
        raise ValueError(f"name: expected one of {CRITERIA}, got {name!r}")
    if not a or not b:
        raise ValueError("a, b: each arm needs at least one run")
    lower = LOWER_IS_BETTER[name]
    ma, mb = median(a), median(b)
    ratio = mb / ma if ma else float("inf")
    pairs = [y / x for x, y in zip(a, b, strict=False) if x]
    interval = (
        gain_interval(a, b, lower_is_better=lower, design=design, rounds=rounds, final=final)
        if rounds is not None
        else None
    )
    cvs = [c for c in (coefficient_of_variation(a), coefficient_of_variation(b)) if c is not None]
    return Criterion(
        name=name,
        ratio=ratio,
        change_pct=(ratio - 1.0) * 100.0,
        gain=(1.0 - ratio) if lower else (ratio - 1.0),
        min_ratio=min(pairs) if pairs else ratio,
        max_ratio=max(pairs) if pairs else ratio,
        interval=interval,
        zone=zone(interval, design) if interval is not None else "open",
        cv=max(cvs) if cvs else None,
        low_confidence=low_confidence,
    )


@dataclass(frozen=True, slots=True)
class Decision:
    """A verdict, the rule that decided it, and the per-criterion evidence.

    Attributes:
        verdict: ``KEEP``, ``DISCARD``, ``TRADEOFF`` or ``INCONCLUSIVE``.
        reason: why, in words.
        rule: the rule of :class:`~codeflash_lab.verdicts.Rule` that decided.
        criteria: per-criterion evidence.
        settled: a zone was reached (``False``: more rounds could still decide).
        rounds: complete A,B rounds so far.
        look: the look the intervals are read at (``None`` before the first one).
        regression: a criterion got worse, noise-checked (``--fail-on regression``).
        design: the look schedule and error rate.
    """

    verdict: str
    reason: str
    rule: Rule = Rule.UNPROVEN
    criteria: dict[str, Criterion] = field(default_factory=dict)
    settled: bool = True
    rounds: int = 0
    look: int | None = None
    regression: bool = False
    design: Design = field(default_factory=Design)

    @property
    def small_change(self) -> str | None:
        """``"confirmed"`` or ``"noise"`` for those rules (older readers ask for it)."""
        return {Rule.CONFIRMED: "confirmed", Rule.NOISE: "noise"}.get(self.rule)

    def with_reason(self, reason: str) -> Decision:
        """The same decision, reworded."""
        return replace(self, reason=reason)

    def evidence_summary(self) -> str:
        """``p50 gain +18.2 % (CI +6.1 to +29.0 %) after 6 rounds``."""
        best = self.deciding_criterion()
        if best is None or best.interval is None:
            return f"{self.rounds} round(s), no look reached"
        text = best.interval.noise_text() if self.rule == Rule.NOISE else best.interval.text()
        return f"{best.name} {text} after {self.look} rounds"

    def deciding_criterion(self) -> Criterion | None:
        """The criterion the verdict rests on most (p50 unless another decided)."""
        crit = [c for c in self.criteria.values() if c.interval is not None]
        if not crit:
            return None
        if self.rule == Rule.THRESHOLD:  # the criterion that reached the threshold
            crit = sorted(crit, key=lambda c: c.zone != "better")
        for c in crit:
            if (c.better and self.verdict == "KEEP") or (c.worse and self.rule == Rule.REGRESSION):
                return c
        return self.criteria.get("p50") or crit[0]

    def ruling(self, *, ref: str | None = None, facts: Mapping[str, Any] | None = None) -> Ruling:
        """This decision in the shared vocabulary, resting on the saved compare ``ref``."""
        base = {
            "rounds": self.rounds,
            "look": self.look,
            "criteria": {
                k: c.interval.to_dict() for k, c in self.criteria.items() if c.interval is not None
            },
        }
        evidence = Evidence(
            source=Source.MEASURED,
            ref=ref,
            summary=self.evidence_summary(),
            facts={**base, **dict(facts or {})},
        )
        return Ruling(Verdict(self.verdict), self.rule, self.reason, evidence)


def _criteria(
    a: Sequence[Run], b: Sequence[Run], design: Design, look: int | None, *, final: bool = False
) -> dict[str, Criterion]:
    runs = (*a, *b)
    if not runs or not any(r.ok_ops for r in a) or not any(r.ok_ops for r in b):
        return {}
    few_ops = min(r.ok_ops for r in runs) < MIN_OPS_FOR_P99
    return {
        name: evaluate_criterion(
            name,
            metric_values(a, name),
            metric_values(b, name),
            design=design,
            rounds=look,
            final=final,
            low_confidence=name == "p99" and few_ops,
        )
        for name in CRITERIA
    }


def _changes(crit: Iterable[Criterion]) -> str:
    return "(" + ", ".join(f"{c.name} {c.gain * 100:+.1f} % gain" for c in crit) + ")"


def _names(crit: Iterable[Criterion]) -> str:
    return ", ".join(c.name for c in crit)


def _ci_text(crit: Iterable[Criterion]) -> str:
    return "; ".join(f"{c.name} {c.interval.text()}" for c in crit if c.interval is not None)


def _noise_text(crit: Iterable[Criterion]) -> str:
    return "; ".join(f"{c.name} {c.interval.noise_text()}" for c in crit if c.interval is not None)


def decide(
    a: Sequence[Run], b: Sequence[Run], *, design: Design | None = None, final: bool = False
) -> Decision:
    """The verdict over the rounds taken so far (read at the last look reached).

    Each look's interval is read at the level the design spends there; a zone at any look
    settles the compare (the error rate over all looks together is the design's alpha, see
    :mod:`codeflash_lab.bench.sequential`).

    Args:
        a: A's runs, in round order.
        b: B's runs, paired with ``a`` by position.
        design: look schedule and error rate (default: :class:`Design`).
        final: this is the budget's final look, taken at all the rounds given (at least the
            design's first look): it spends the share of every planned look not yet taken.

    Returns:
        The decision; ``settled`` is ``False`` while more rounds could still decide.
    """
    design = design or Design()
    return _decide_at(a, b, design, min(len(a), len(b)), final=final)


def _decide_at(
    a: Sequence[Run], b: Sequence[Run], design: Design, rounds: int, *, final: bool = False
) -> Decision:
    final = final and rounds >= design.min_rounds
    look = rounds if final else design.look_at(rounds)
    crit = _criteria(a, b, design, look, final=final)
    common = {"rounds": rounds, "look": look, "design": design, "criteria": crit}
    if not crit:
        return Decision(
            "INCONCLUSIVE", "no successful ops in one of the arms", Rule.UNPROVEN, **common
        )
    rate_a, rate_b = error_rate(a), error_rate(b)
    if rate_b > rate_a + ERROR_RATE_MARGIN and sum(r.errors for r in b) >= MIN_ERRORS:
        return Decision(
            "DISCARD",
            f"B fails more operations: {rate_b:.1%} of its ops against {rate_a:.1%} for A; "
            "a faster failure is not a gain",
            Rule.ERRORS,
            regression=True,
            **common,
        )
    if look is None:
        return Decision(
            "INCONCLUSIVE",
            f"{rounds} round(s): the method needs {design.min_rounds} before its first look",
            Rule.UNPROVEN,
            settled=False,
            **common,
        )
    deciding = [c for c in crit.values() if not c.low_confidence and c.interval is not None]
    better = [c for c in deciding if c.better]
    worse = [c for c in deciding if c.worse]
    floor, threshold = design.floor * 100, design.threshold * 100
    if better and worse:
        return Decision(
            "TRADEOFF",
            f"{_names(better)} better but {_names(worse)} worse, each beyond the {floor:g} % "
            f"floor: a person decides ({_ci_text([*better, *worse])})",
            Rule.TRADEOFF,
            regression=True,
            **common,
        )
    clear = [c for c in better if c.zone == "better"]
    if clear:
        return Decision(
            "KEEP",
            f"{_names(clear)} better by at least {threshold:g} %, nothing worse "
            f"({_ci_text(clear)})",
            Rule.THRESHOLD,
            **common,
        )
    if better:
        return Decision(
            "KEEP",
            f"{_names(better)} better by at least the {floor:g} % floor, confirmed by "
            f"{look} interleaved rounds; not shown to reach {threshold:g} % "
            f"({_ci_text(better)})",
            Rule.CONFIRMED,
            **common,
        )
    if worse:
        return Decision(
            "DISCARD",
            f"regression: {_names(worse)} worse by more than the {floor:g} % floor "
            f"({_ci_text(worse)})",
            Rule.REGRESSION,
            regression=True,
            **common,
        )
    main = [c for c in deciding if c.name in ("p50", "throughput")]
    if main and all(c.zone in ("flat", *_BAD) for c in main):
        return Decision(
            "DISCARD",
            f"{look} interleaved rounds rule out a gain of {floor:g} % or more "
            f"({_noise_text(main)})",
            Rule.NOISE,
            **common,
        )
    return Decision(
        "INCONCLUSIVE",
        f"not separated from noise after {rounds} rounds ({_ci_text(deciding)})",
        Rule.UNPROVEN,
        settled=False,
        **common,
    )
