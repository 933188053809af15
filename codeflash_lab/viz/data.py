"""Turn results.tsv (a path, a ``ResultsLog``, rows or a DataFrame) into the one frame charts use.

Pure data preparation: no drawing. Non-numeric cells become NaN, statuses are
upper-cased, and p99 columns are attached from saved compare runs when their
p50 numbers match a row.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.workspace.results import COLUMNS, NUMERIC_COLUMNS, ResultsLog, read_results

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "METRICS",
    "Metric",
    "available_metrics",
    "experiments_frame",
    "results_path",
    "with_compare_percentiles",
]


@dataclass(frozen=True, slots=True)
class Metric:
    """One chartable measure: the before/after columns, its label and which way is better."""

    key: str
    label: str
    unit: str
    before: str
    after: str
    lower_is_better: bool

    def gain_pct(self, baseline: float, current: float) -> float:
        """How much better ``current`` is than ``baseline``, in percent (positive = better)."""
        if not baseline or math.isnan(baseline) or math.isnan(current):
            return math.nan
        if self.lower_is_better:
            return (baseline - current) / baseline * 100.0
        return (current - baseline) / baseline * 100.0


#: The measures a results log can be charted by, in menu order.
METRICS: dict[str, Metric] = {
    "p50": Metric("p50", "p50 latency", "ms", "baseline_latency_ms", "optimized_latency_ms", True),
    "p99": Metric("p99", "p99 latency", "ms", "baseline_p99_ms", "optimized_p99_ms", True),
    "throughput": Metric(
        "throughput",
        "throughput",
        "ops/s",
        "baseline_throughput",
        "optimized_throughput",
        False,
    ),
}

_EXTRA_NUMERIC = ("baseline_p99_ms", "optimized_p99_ms")


def results_path(source: str | os.PathLike[str]) -> Path:
    """The results.tsv meant by ``source``: the file itself, a project folder or ``.codeflash``."""
    path = Path(source)
    if path.is_dir():
        return (
            path / "results.tsv"
            if path.name == ".codeflash"
            else path / ".codeflash" / "results.tsv"
        )
    return path


def experiments_frame(source: Any) -> pd.DataFrame:
    """The experiment log as a clean DataFrame, whatever form it comes in.

    Args:
        source: a results.tsv path, a project folder (its ``.codeflash/results.tsv``),
            a :class:`ResultsLog`, a sequence of ``Experiment`` rows or dicts, or a
            DataFrame with the results.tsv columns.

    Returns:
        One row per experiment, indexed ``experiment`` from 1, with every
        results.tsv column plus ``baseline_p99_ms``/``optimized_p99_ms`` (NaN
        unless known). Numeric columns are floats; a non-numeric cell is NaN;
        ``status`` is upper-case; ``pattern`` lower-case.

    Raises:
        ResultsFormatError: a path whose file cannot be parsed at all (bad header).
    """
    import pandas as pd

    if isinstance(source, str | os.PathLike):
        source = read_results(results_path(source), strict=False)
    if isinstance(source, ResultsLog):
        frame = source.to_frame()
    elif isinstance(source, pd.DataFrame):
        frame = source.copy()
    elif isinstance(source, Iterable):
        rows = [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in source]
        frame = pd.DataFrame(rows)
    else:
        raise ValueError(
            f"source: expected a path, ResultsLog, rows or DataFrame, got {type(source).__name__}"
        )
    return _normalise(frame)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    for name in (*COLUMNS, *_EXTRA_NUMERIC):
        if name not in frame.columns:
            frame[name] = math.nan if name in NUMERIC_COLUMNS or name in _EXTRA_NUMERIC else ""
    for name in (*NUMERIC_COLUMNS, *_EXTRA_NUMERIC):
        column = frame[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            column = (
                column.astype(str).str.strip().str.rstrip("%").str.replace(",", "", regex=False)
            )
        frame[name] = pd.to_numeric(column, errors="coerce").astype("float64")
    for name in ("commit", "target_test", "description", "status", "pattern"):
        frame[name] = frame[name].fillna("").astype(str).str.strip()
    frame["status"] = frame["status"].str.upper()
    frame["pattern"] = frame["pattern"].str.lower()
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="experiment")
    return frame


def available_metrics(frame: pd.DataFrame) -> list[str]:
    """The :data:`METRICS` keys with at least one number in the frame (menu order)."""
    out = []
    for key, metric in METRICS.items():
        if metric.after in frame.columns and frame[metric.after].notna().any():
            out.append(key)
    return out


def with_compare_percentiles(
    frame: pd.DataFrame, compares: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Attach p99 numbers from saved compare runs to the rows they were recorded from.

    A row recorded from a compare holds ``a``'s and ``b``'s p50 as its baseline and
    optimized latency; a compare matches a row when both p50 values agree to the
    precision results.tsv keeps (3 decimals) and, where both name one, the target.

    Args:
        frame: from :func:`experiments_frame`.
        compares: ``CompareResult.to_dict()`` payloads (``load_runs(ws, "compare")``).

    Returns:
        A copy of ``frame`` with ``baseline_p99_ms``/``optimized_p99_ms`` filled where matched.
    """
    out = frame.copy()
    index: dict[tuple[float, float], list[Mapping[str, Any]]] = {}
    for doc in compares:
        a, b = _latency(doc, "a"), _latency(doc, "b")
        if a.get("p50") is None or b.get("p50") is None:
            continue
        index.setdefault((round(a["p50"], 3), round(b["p50"], 3)), []).append(doc)
    if not index:
        return out
    for exp, row in out.iterrows():
        before, after = row["baseline_latency_ms"], row["optimized_latency_ms"]
        if math.isnan(before) or math.isnan(after):
            continue
        for doc in index.get((round(before, 3), round(after, 3)), []):
            target = str(doc.get("target", ""))
            if target and row["target_test"] and target != row["target_test"]:
                continue
            a99, b99 = _latency(doc, "a").get("p99"), _latency(doc, "b").get("p99")
            if a99 is not None:
                out.loc[exp, "baseline_p99_ms"] = a99
            if b99 is not None:
                out.loc[exp, "optimized_p99_ms"] = b99
            break
    return out


def _latency(doc: Mapping[str, Any], arm: str) -> dict[str, float]:
    side = doc.get(arm)
    lat = side.get("latency_ms") if isinstance(side, Mapping) else None
    if not isinstance(lat, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, value in lat.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            out[str(key)] = number
    return out
