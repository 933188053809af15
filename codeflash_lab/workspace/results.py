"""``results.tsv``: the experiment log, one row per experiment, append-only.

Format history (the header line is the version marker):

- v1: the 14 tab-separated columns of :data:`COLUMNS`, in that order, with a
  header line. Unknown columns after the 14 are kept as they are. ``status`` is
  ``KEEP`` or ``DISCARD`` in any case; ``latency_change`` is written like
  ``-63%`` and ``throughput_change`` like ``+172%``.

Writers only append (under a file lock, one ``write`` per row); nothing already
in the file is ever rewritten. Readers check the header and every row, and a
problem raises :class:`~codeflash_lab.errors.ResultsFormatError` naming the line
and the column. With ``strict=False`` non-numeric cells load as missing values
and are listed in ``ResultsLog.warnings`` instead, so a hand-edited log can still
be charted.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.errors import ResultsFormatError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "NUMERIC_COLUMNS",
    "SCHEMA_VERSION",
    "Experiment",
    "ResultsLog",
    "append_experiment",
    "ensure_results_file",
    "format_change",
    "parse_change",
    "percent_change",
    "read_results",
]

SCHEMA_VERSION = 1

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
_HEADER = "\t".join(COLUMNS) + "\n"


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


def _parse_number(text: str) -> float | None:
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


def _clean_cell(text: str) -> str:
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
                out.append(_clean_cell(value))
        return out

    def to_dict(self) -> dict[str, Any]:
        """A plain dict: the 14 columns plus any extra columns."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        d.update(self.extra)
        return d


@dataclass(frozen=True)
class ResultsLog:
    """The parsed log: rows in file order, extra column names, and soft warnings."""

    path: Path
    rows: tuple[Experiment, ...]
    extra_columns: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Experiment]:
        return iter(self.rows)

    def to_frame(self) -> pd.DataFrame:
        """The log as a DataFrame: one row per experiment, numeric columns as floats."""
        import pandas as pd

        columns = [*COLUMNS, *self.extra_columns]
        frame = pd.DataFrame([r.to_dict() for r in self.rows], columns=columns)
        for name in NUMERIC_COLUMNS:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="experiment")
        return frame


def _check_header(header: list[str], path: Path) -> tuple[str, ...]:
    for i, expected in enumerate(COLUMNS):
        if i >= len(header):
            raise ResultsFormatError(
                f"header is missing column {expected!r} (expected the {len(COLUMNS)} columns: "
                + " ".join(COLUMNS)
                + ")",
                path=str(path),
                line=1,
                column=expected,
            )
        if header[i].strip() != expected:
            raise ResultsFormatError(
                f"header column {i + 1} is {header[i].strip()!r}, expected {expected!r}",
                path=str(path),
                line=1,
                column=expected,
            )
    return tuple(h.strip() for h in header[len(COLUMNS) :])


def read_results(path: str | os.PathLike[str], *, strict: bool = True) -> ResultsLog:
    """Read and check a results.tsv.

    Args:
        path: the file; a missing or empty file reads as an empty log.
        strict: when true, a non-numeric cell in a numeric column is an error;
            when false it loads as missing and a warning is recorded.

    Raises:
        ResultsFormatError: a bad header, a row with too few cells (a truncated
            line), an unknown status, or (strict) a non-numeric number.
    """
    p = Path(path)
    if not p.exists():
        return ResultsLog(path=p, rows=())
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ResultsFormatError(f"not UTF-8 text ({exc.reason})", path=str(p)) from exc
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return ResultsLog(path=p, rows=())
    extra = _check_header(lines[0].rstrip("\r").split("\t"), p)
    rows: list[Experiment] = []
    warnings: list[str] = []
    for lineno, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) < len(COLUMNS):
            missing = COLUMNS[len(cells)]
            raise ResultsFormatError(
                f"row has {len(cells)} cells, expected {len(COLUMNS)} (truncated line?)",
                path=str(p),
                line=lineno,
                column=missing,
            )
        values: dict[str, Any] = {}
        for name, cell in zip(COLUMNS, cells, strict=False):
            if name in NUMERIC_COLUMNS:
                try:
                    values[name] = (
                        parse_change(cell) if name.endswith("_change") else _parse_number(cell)
                    )
                except ValueError:
                    if strict:
                        raise ResultsFormatError(
                            f"{cell!r} is not a number", path=str(p), line=lineno, column=name
                        ) from None
                    warnings.append(f"line {lineno}, column {name}: {cell!r} is not a number")
                    values[name] = None
            else:
                values[name] = cell.strip()
        extras = dict(zip(extra, cells[len(COLUMNS) :], strict=False))
        try:
            rows.append(Experiment(**values, extra=extras))
        except ValueError as exc:
            raise ResultsFormatError(
                str(exc).split(": ", 1)[-1], path=str(p), line=lineno, column="status"
            ) from None
    return ResultsLog(path=p, rows=tuple(rows), extra_columns=extra, warnings=tuple(warnings))


def ensure_results_file(path: str | os.PathLike[str]) -> Path:
    """Create results.tsv with its header when it does not exist or is empty; never rewrite it."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with _lock(p):
        if not p.exists() or p.stat().st_size == 0:
            _append_bytes(p, _HEADER.encode("utf-8"))
    return p


def append_experiment(path: str | os.PathLike[str], experiment: Experiment) -> int:
    """Append one row (creating the file with its header if needed).

    The existing file is checked first (header, and that its last line is
    complete); it is never rewritten. Safe when several processes append at
    once: a file lock serializes writers and each row is one ``write``.

    Returns:
        The 1-based experiment number of the new row.

    Raises:
        ResultsFormatError: the existing file is malformed; nothing is written.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with _lock(p):
        if not p.exists() or p.stat().st_size == 0:
            _append_bytes(p, _HEADER.encode("utf-8"))
        existing = read_results(p, strict=False)
        with p.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                raise ResultsFormatError(
                    "the last line has no line ending (an interrupted write?); fix it by hand "
                    "before appending",
                    path=str(p),
                )
        cells = experiment.cells()
        cells += [_clean_cell(experiment.extra.get(name, "")) for name in existing.extra_columns]
        _append_bytes(p, ("\t".join(cells) + "\n").encode("utf-8"))
        return len(existing.rows) + 1


def _append_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _lock(path: Path) -> Any:
    from filelock import FileLock

    return FileLock(str(path) + ".lock", timeout=30)
