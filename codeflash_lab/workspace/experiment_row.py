"""One row of results.tsv: the 14 columns, the :class:`Experiment` record and its cell formats.

Kept apart from the file's reading and writing (:mod:`codeflash_lab.workspace.results`),
which re-exports every public name here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "COLUMNS",
    "NUMERIC_COLUMNS",
    "Experiment",
    "clean_cell",
    "format_change",
    "parse_change",
    "parse_number",
    "percent_change",
]

COLUMNS: tuple[str, ...] = (
    "commit",
    "target_test",
    "baseline_latency_ms",
    "optimized_latency_ms",
    "latency_change",
    "baseline_throughput",
    "optimized_throughput",
    "throughput_change",
    "concurrency",
    "tests_passed",
    "tests_failed",
    "status",
    "pattern",
    "description",
)

NUMERIC_COLUMNS: tuple[str, ...] = (
    "baseline_latency_ms",
    "optimized_latency_ms",
    "latency_change",
    "baseline_throughput",
    "optimized_throughput",
    "throughput_change",
    "concurrency",
    "tests_passed",
    "tests_failed",
)

_STATUSES = ("KEEP", "DISCARD")
_MISSING = {"", "-", "na", "n/a", "nan", "none", "null"}


def percent_change(before: float | None, after: float | None) -> float | None:
    """``(after - before) / before`` in percent, or ``None`` when it is undefined."""
    if before is None or after is None or before == 0 or math.isnan(before) or math.isnan(after):
        return None
    return (after - before) / before * 100.0


def format_change(pct: float | None) -> str:
    """Format a percent change the way results.tsv writes it: ``-63%``, ``+172%``, ``0%``."""
    if pct is None or math.isnan(pct):
        return ""
    value = round(pct)
    if value == 0:
        return "0%"
    return f"{value:+d}%"


def parse_change(text: str) -> float | None:
    """Parse ``-63%`` / ``+172%`` / ``-12.5`` into a float percent; ``None`` when empty.

    Raises:
        ValueError: the text is not a number with an optional ``%``.
    """
    t = text.strip()
    if t.lower() in _MISSING:
        return None
    if t.endswith("%"):
        t = t[:-1].strip()
    return float(t)


def parse_number(text: str) -> float | None:
    """A number cell: ``1,000``, ``310 ms``, ``33 req/s``; ``None`` when missing.

    Raises:
        ValueError: not a number.
    """
    t = text.strip()
    if t.lower() in _MISSING:
        return None
    lowered = t.lower()
    for unit in ("req/s", "ops/s", "rps", "ms"):
        if lowered.endswith(unit):
            t = t[: -len(unit)].strip()
            break
    return float(t.replace(",", ""))


def _fmt_number(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def clean_cell(text: str) -> str:
    """A text cell on one line: tabs and line breaks become spaces."""
    return " ".join(str(text).replace("\t", " ").splitlines()).strip()


@dataclass(frozen=True, slots=True)
class Experiment:
    """One row of results.tsv.

    Numbers are floats (``None`` where a cell is empty); the two ``*_change``
    fields are percents (``-63.0`` means 63% lower). ``extra`` holds the cells of
    columns beyond the standard 14, by header name.
    """

    commit: str
    target_test: str
    baseline_latency_ms: float | None
    optimized_latency_ms: float | None
    latency_change: float | None
    baseline_throughput: float | None
    optimized_throughput: float | None
    throughput_change: float | None
    concurrency: float | None
    tests_passed: float | None
    tests_failed: float | None
    status: str
    pattern: str
    description: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        status = self.status.strip().upper()
        if status not in _STATUSES:
            raise ValueError(f"status: expected KEEP or DISCARD, got {self.status!r}")
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "pattern", self.pattern.strip().lower())

    @classmethod
    def build(
        cls,
        *,
        commit: str,
        target_test: str,
        baseline_latency_ms: float | None,
        optimized_latency_ms: float | None,
        baseline_throughput: float | None,
        optimized_throughput: float | None,
        concurrency: int | None,
        status: str,
        pattern: str,
        description: str,
        tests_passed: int | None = None,
        tests_failed: int | None = None,
    ) -> Experiment:
        """Make a row, computing both ``*_change`` columns from the numbers."""
        return cls(
            commit=commit,
            target_test=target_test,
            baseline_latency_ms=baseline_latency_ms,
            optimized_latency_ms=optimized_latency_ms,
            latency_change=percent_change(baseline_latency_ms, optimized_latency_ms),
            baseline_throughput=baseline_throughput,
            optimized_throughput=optimized_throughput,
            throughput_change=percent_change(baseline_throughput, optimized_throughput),
            concurrency=None if concurrency is None else float(concurrency),
            tests_passed=None if tests_passed is None else float(tests_passed),
            tests_failed=None if tests_failed is None else float(tests_failed),
            status=status,
            pattern=pattern,
            description=description,
        )

    @property
    def is_keep(self) -> bool:
        """True for a KEEP row."""
        return self.status == "KEEP"

    def cells(self) -> list[str]:
        """The 14 standard cells, formatted for the file."""
        out: list[str] = []
        for name in COLUMNS:
            value = getattr(self, name)
            if name in ("latency_change", "throughput_change"):
                out.append(format_change(value))
            elif name in NUMERIC_COLUMNS:
                out.append(_fmt_number(value))
            else:
                out.append(clean_cell(value))
        return out

    def to_dict(self) -> dict[str, Any]:
        """A plain dict: the 14 columns plus any extra columns."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        d.update(self.extra)
        return d
