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

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.errors import ResultsFormatError
from codeflash_lab.workspace.experiment_row import (
    COLUMNS,
    NUMERIC_COLUMNS,
    Experiment,
    clean_cell,
    format_change,
    parse_change,
    parse_number,
    percent_change,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "NUMERIC_COLUMNS",
    "SCHEMA_VERSION",
    "Experiment",
    "ResultsLog",
    "append_experiment",
    "check_complete",
    "count_rows",
    "decode_error",
    "ensure_results_file",
    "format_change",
    "iter_results",
    "parse_change",
    "parse_row",
    "percent_change",
    "read_header",
    "read_results",
    "row_line",
]

SCHEMA_VERSION = 1

_NUMERIC = frozenset(NUMERIC_COLUMNS)
_CHANGES = frozenset(("latency_change", "throughput_change"))
_HEADER = "\t".join(COLUMNS) + "\n"


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


def decode_error(
    path: Path, raw: bytes, exc: UnicodeDecodeError, lineno: int
) -> ResultsFormatError:
    bad = raw[exc.start : exc.start + 1].hex()
    return ResultsFormatError(
        f"not UTF-8 text (byte 0x{bad} at column {exc.start + 1}: {exc.reason}); re-save the "
        "file as UTF-8",
        path=str(path),
        line=lineno,
    )


def parse_row(
    cells: list[str], extra: tuple[str, ...], path: Path, lineno: int, strict: bool,
    warnings: list[str],
) -> Experiment:  # fmt: skip
    """One row from its cells (line ``lineno`` of ``path``), checked as :func:`read_results` does."""
    if len(cells) < len(COLUMNS):
        raise ResultsFormatError(
            f"row has {len(cells)} cells, expected {len(COLUMNS)} (truncated line?)",
            path=str(path),
            line=lineno,
            column=COLUMNS[len(cells)],
        )
    values: dict[str, Any] = {}
    for name, cell in zip(COLUMNS, cells, strict=False):
        if name in _NUMERIC:
            try:
                values[name] = parse_change(cell) if name in _CHANGES else parse_number(cell)
            except ValueError:
                if strict:
                    raise ResultsFormatError(
                        f"{cell!r} is not a number", path=str(path), line=lineno, column=name
                    ) from None
                warnings.append(f"line {lineno}, column {name}: {cell!r} is not a number")
                values[name] = None
        else:
            values[name] = cell.strip()
    extras = dict(zip(extra, cells[len(COLUMNS) :], strict=False)) if extra else {}
    try:
        return Experiment(**values, extra=extras)
    except ValueError as exc:
        raise ResultsFormatError(
            str(exc).split(": ", 1)[-1], path=str(path), line=lineno, column="status"
        ) from None


def read_header(path: str | os.PathLike[str]) -> tuple[str, ...] | None:
    """The extra column names of a results.tsv (``None`` for a missing or empty file).

    Reads only the first line.

    Raises:
        ResultsFormatError: the header is not the 14 columns of the contract, or not UTF-8.
    """
    p = Path(path)
    if not p.exists():
        return None
    with p.open("rb") as fh:
        raw = fh.readline()
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise decode_error(p, raw, exc, 1) from None
    return _check_header(text.rstrip("\r\n").split("\t"), p)


def iter_results(
    path: str | os.PathLike[str],
    *,
    strict: bool = True,
    warnings: list[str] | None = None,
) -> Iterator[tuple[int, Experiment]]:
    """Stream ``(experiment number, row)`` from a results.tsv, one line at a time.

    Memory stays flat whatever the size of the log: nothing is kept between rows.
    The checks are those of :func:`read_results`; a decode error names its line.

    Args:
        path: the file; a missing or empty file yields nothing.
        strict: as in :func:`read_results`.
        warnings: with ``strict=False``, soft problems are appended here.

    Raises:
        ResultsFormatError: as :func:`read_results`, raised when the bad line is reached.
    """
    p = Path(path)
    if not p.exists():
        return
    sink = [] if warnings is None else warnings
    with p.open("rb") as fh:
        extra: tuple[str, ...] | None = None
        number = 0
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise decode_error(p, raw, exc, lineno) from None
            line = line.rstrip("\n").rstrip("\r")
            if extra is None:
                extra = _check_header(line.split("\t"), p)
                continue
            if not line.strip():
                continue
            number += 1
            yield number, parse_row(line.split("\t"), extra, p, lineno, strict, sink)


def read_results(path: str | os.PathLike[str], *, strict: bool = True) -> ResultsLog:
    """Read and check a results.tsv.

    This loads every row; commands that only need counts or the last rows use
    :func:`iter_results` instead.

    Args:
        path: the file; a missing or empty file reads as an empty log.
        strict: when true, a non-numeric cell in a numeric column is an error;
            when false it loads as missing and a warning is recorded.

    Raises:
        ResultsFormatError: a bad header, a row with too few cells (a truncated
            line), an unknown status, (strict) a non-numeric number, or bytes that
            are not UTF-8 (the message names the line).
    """
    p = Path(path)
    warnings: list[str] = []
    rows = tuple(row for _, row in iter_results(p, strict=strict, warnings=warnings))
    extra = read_header(p) or ()
    return ResultsLog(path=p, rows=rows, extra_columns=extra, warnings=tuple(warnings))


def count_rows(path: str | os.PathLike[str]) -> int:
    """How many experiment rows the log holds (non-blank lines after the header), streamed."""
    p = Path(path)
    if not p.exists():
        return 0
    n = 0
    with p.open("rb") as fh:
        fh.readline()
        for raw in fh:
            if raw.strip():
                n += 1
    return n


def row_line(experiment: Experiment, extra_columns: tuple[str, ...] = ()) -> str:
    """The line :func:`append_experiment` writes for ``experiment`` (with its newline)."""
    cells = experiment.cells()
    cells += [clean_cell(experiment.extra.get(name, "")) for name in extra_columns]
    return "\t".join(cells) + "\n"


def check_complete(path: str | os.PathLike[str]) -> None:
    """Refuse a log whose last line has no line ending (an interrupted write).

    Raises:
        ResultsFormatError: naming the file and its last line.
    """
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        return
    with p.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
    raise ResultsFormatError(
        "the last line has no line ending (an interrupted write?); fix it by hand before recording",
        path=str(p),
        line=count_rows(p) + 1,
    )


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

    The existing file's header and last line are checked first (rows are not
    re-read: :func:`iter_results` checks them); it is never rewritten. Safe when several processes append at
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
        extra = read_header(p) or ()
        check_complete(p)
        number = count_rows(p) + 1
        _append_bytes(p, row_line(experiment, extra).encode("utf-8"))
        return number


def _append_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _lock(path: Path) -> Any:
    from codeflash_lab.workspace.locks import file_lock

    return file_lock(Path(str(path) + ".lock"))
