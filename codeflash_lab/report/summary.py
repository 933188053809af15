"""The report's headline numbers from the experiment frame and the ledger (pure, no I/O).

Baseline is the first recorded baseline value; "now" is the value after the
last KEEP (the baseline when nothing was kept). Each target (``target_test``) is
its own series: with several, the headline numbers are the main target's (the
one with the most experiments) and every other target gets its own line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from codeflash_lab.experiments import ledger_status
from codeflash_lab.viz.targets import target_frames

if TYPE_CHECKING:
    import pandas as pd

    from codeflash_lab.workspace.results import Experiment

__all__ = ["MetricSummary", "Summary", "TargetSummary", "summarize", "target_summary"]

_TIMES = "\u00d7"


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """Baseline and current value of one metric, and how much better "now" is."""

    label: str
    unit: str
    baseline: float
    now: float
    lower_is_better: bool

    @property
    def change_pct(self) -> float:
        """``(now - baseline) / baseline`` in percent (negative = lower)."""
        if not self.baseline or math.isnan(self.baseline) or math.isnan(self.now):
            return math.nan
        return (self.now - self.baseline) / self.baseline * 100.0

    @property
    def factor(self) -> float:
        """How many times better now is (above 1 = better)."""
        if math.isnan(self.baseline) or math.isnan(self.now) or self.baseline <= 0 or self.now <= 0:
            return math.nan
        return self.baseline / self.now if self.lower_is_better else self.now / self.baseline

    def words(self) -> str:
        """``"120 ms -> 45 ms (2.67x faster)"`` style text (with an arrow and a times sign)."""
        text = f"{_fmt(self.baseline)} {self.unit} \u2192 {_fmt(self.now)} {self.unit}"
        f = self.factor
        if math.isnan(f):
            return text
        if abs(f - 1) < 0.005:
            return text + " (unchanged)"
        if self.lower_is_better:
            word = "faster" if f > 1 else "slower"
            return text + f" ({max(f, 1 / f):.2f}{_TIMES} {word})"
        return text + f" ({self.change_pct:+.0f}%)"


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "?"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


@dataclass(frozen=True, slots=True)
class TargetSummary:
    """One target's own series: its counts, and its baseline to now."""

    target: str
    experiments: int
    keeps: int
    latency: MetricSummary | None
    throughput: MetricSummary | None

    def words(self) -> str:
        """``"GET /checkout (3 experiments, 1 kept): throughput 80 -> 240 ops/s (+200%)"``."""
        name = self.target or "(no target named)"
        counted = f"{self.experiments} experiment{'s' if self.experiments != 1 else ''}"
        head = f"{name} ({counted}, {self.keeps} kept)"
        if self.keeps == 0:
            where = f", still at {_fmt(self.latency.baseline)} ms p50" if self.latency else ""
            return f"{head}: no change kept{where}"
        return f"{head}: {_moved(self.latency, self.throughput)}"


@dataclass(frozen=True)
class Summary:
    """Everything the report's top section says.

    ``latency`` and ``throughput`` are the main target's series; ``target`` names
    it when the log holds several targets (``""`` otherwise), and ``others``
    holds the other targets' own series.
    """

    experiments: int
    keeps: int
    discards: int
    headline: str
    latency: MetricSummary | None
    throughput: MetricSummary | None
    best_keep: str
    patterns: tuple[tuple[str, int, int], ...]
    status: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    target: str = ""
    others: tuple[TargetSummary, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        d = asdict(self)
        d["patterns"] = [{"pattern": p, "keeps": k, "discards": n} for p, k, n in self.patterns]
        _add_change_pct(d, self.latency, self.throughput)
        for doc, other in zip(d["others"], self.others, strict=True):
            _add_change_pct(doc, other.latency, other.throughput)
            doc["words"] = other.words()
        return d


def _add_change_pct(
    d: dict[str, Any], latency: MetricSummary | None, throughput: MetricSummary | None
) -> None:
    for name, m in (("latency", latency), ("throughput", throughput)):
        if m is not None:
            d[name]["change_pct"] = None if math.isnan(m.change_pct) else round(m.change_pct, 2)


def _metric(
    frame: pd.DataFrame, before: str, after: str, label: str, unit: str, lower: bool
) -> MetricSummary | None:
    base_values = frame[before].dropna()
    if base_values.empty:
        return None
    baseline = float(base_values.iloc[0])
    now = baseline
    for status, value in zip(frame["status"], frame[after], strict=True):
        if status == "KEEP" and not math.isnan(value):
            now = float(value)
    return MetricSummary(label, unit, baseline, now, lower)


def summarize(frame: pd.DataFrame, rows: Sequence[Experiment] = ()) -> Summary:
    """Compute the headline numbers.

    Args:
        frame: the experiment frame (:func:`codeflash_lab.viz.experiments_frame`).
        rows: the log's rows, for the plateau/rotation/stuck rules (skipped when empty).
    """
    n = len(frame)
    keeps = int((frame["status"] == "KEEP").sum()) if n else 0
    discards = n - keeps
    series = [target_summary(name, rows) for name, rows in target_frames(frame)] if n else []
    main = series[0] if series else None
    latency = main.latency if main else None
    throughput = main.throughput if main else None
    others = tuple(series[1:])
    target = main.target if main and others else ""
    status: dict[str, Any] = {}
    flags: tuple[str, ...] = ()
    if rows:
        ls = ledger_status(rows)
        status = ls.to_dict()
        flags = tuple(ls.flags())
    patterns: dict[str, list[int]] = {}
    for status_value, pattern in zip(frame["status"], frame["pattern"], strict=True) if n else ():
        counts = patterns.setdefault(pattern or "(none)", [0, 0])
        counts[0 if status_value == "KEEP" else 1] += 1
    return Summary(
        experiments=n,
        keeps=keeps,
        discards=discards,
        headline=_headline(n, keeps, discards, main, others),
        latency=latency,
        throughput=throughput,
        best_keep=_best_keep(frame, named=bool(others)) if keeps else "",
        patterns=tuple(
            sorted(
                ((p, k, d) for p, (k, d) in patterns.items()), key=lambda t: (-t[1], -t[2], t[0])
            )
        ),
        status=status,
        flags=flags,
        target=target,
        others=others,
    )


def target_summary(target: str, rows: pd.DataFrame) -> TargetSummary:
    """One target's own series from its rows of the experiment frame."""
    keeps = int((rows["status"] == "KEEP").sum())
    return TargetSummary(
        target=target,
        experiments=len(rows),
        keeps=keeps,
        latency=_metric(
            rows, "baseline_latency_ms", "optimized_latency_ms", "p50 latency", "ms", True
        ),
        throughput=_metric(
            rows, "baseline_throughput", "optimized_throughput", "throughput", "ops/s", False
        ),
    )


def _moved(latency: MetricSummary | None, throughput: MetricSummary | None) -> str:
    parts = []
    if latency is not None:
        parts.append(f"p50 latency {latency.words()}")
    if throughput is not None:
        parts.append(f"throughput {throughput.words()}")
    return "; ".join(parts) if parts else "no numbers recorded"


def _headline(
    n: int,
    keeps: int,
    discards: int,
    main: TargetSummary | None,
    others: tuple[TargetSummary, ...],
) -> str:
    if n == 0 or main is None:
        return "No experiments recorded yet. Once results.tsv has rows, this page shows how far the code has come."
    counted = f"{n} experiment{'s' if n != 1 else ''} ({keeps} kept, {discards} discarded)"
    latency = main.latency
    if keeps == 0:
        on = f" on {main.target or '(no target named)'}" if others else ""
        where = (
            f" The code still runs at its baseline ({_fmt(latency.baseline)} ms p50{on})."
            if latency
            else ""
        )
        return f"No change kept yet: all {counted.split(' (')[0]} were discarded.{where}"
    if not others:
        return f"After {counted}: {_moved(latency, main.throughput)}."
    lines = "; ".join(o.words() for o in others)
    return (
        f"After {counted} on {1 + len(others)} targets, each against its own baseline: "
        f"{main.words()}. Also {lines}."
    )


def _best_keep(frame: pd.DataFrame, *, named: bool = False) -> str:
    keeps = frame[frame["status"] == "KEEP"]
    best, best_gain = None, -math.inf
    for exp, row in keeps.iterrows():
        lat = -row["latency_change"] if not math.isnan(row["latency_change"]) else -math.inf
        thr = row["throughput_change"] if not math.isnan(row["throughput_change"]) else -math.inf
        gain = max(lat, thr)
        if gain > best_gain:
            best, best_gain = (exp, row), gain
    if best is None or best_gain == -math.inf:
        return ""
    exp, row = best
    change = []
    if not math.isnan(row["latency_change"]):
        change.append(f"p50 {row['latency_change']:+.0f}%")
    if not math.isnan(row["throughput_change"]):
        change.append(f"throughput {row['throughput_change']:+.0f}%")
    on = f" on {row['target_test'] or '(no target named)'}" if named else ""
    return f"#{exp} {row['pattern'] or '-'}: {row['description']} ({', '.join(change)}){on}"
