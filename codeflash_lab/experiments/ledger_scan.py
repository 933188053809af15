"""One streaming pass over results.tsv: counts, plateau state and the newest rows.

``status``, ``record`` and the HANDOFF refresh all need the same few facts, never
the whole log: the :class:`~codeflash_lab.experiments.plateau.StatusBuilder` state,
the last :data:`SHOWN` keeps and discards, the last concurrency. Memory stays flat
whatever the size of the log.

Speed: a row in the form the tools write (plain numbers, ``-63%`` changes) is checked
by one regular expression and only its status, pattern and gain are taken; the
newest rows are kept as text and parsed at the end. Any other row (units, commas,
``n/a``, a bad cell) goes through :func:`~codeflash_lab.workspace.results.parse_row`,
so the checks and the error messages are those of ``read_results``.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeflash_lab.experiments.plateau import LedgerStatus, StatusBuilder, keep_gain
from codeflash_lab.workspace.results import (
    Experiment,
    decode_error,
    parse_row,
    read_header,
)

__all__ = ["SHOWN", "LedgerDigest", "scan_ledger"]

#: Keeps (and discards) HANDOFF.md lists; older ones are counted, not listed.
SHOWN = 50

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_ROW = re.compile(
    "\t".join(
        [
            r"[^\t]*",  # commit
            r"[^\t]*",  # target_test
            f"({_NUM})?",  # baseline_latency_ms
            f"({_NUM})?",  # optimized_latency_ms
            f"(?:({_NUM})%?)?",  # latency_change
            f"({_NUM})?",  # baseline_throughput
            f"({_NUM})?",  # optimized_throughput
            f"(?:({_NUM})%?)?",  # throughput_change
            f"({_NUM})?",  # concurrency
            f"(?:{_NUM})?",  # tests_passed
            f"(?:{_NUM})?",  # tests_failed
            r"((?i:keep|discard))",  # status
            r"([^\t]*)",  # pattern
            r"[^\t]*",  # description
        ]
    )
    + r"(?:\t.*)?"
)

_Entry = tuple[int, Any, str]  # (number, row or line number, "" or the line's text)


def _f(text: str | None) -> float | None:
    return None if text is None else float(text)


def _gain(bl: str | None, ol: str | None, lc: str | None, bt: str | None, ot: str | None,
          tc: str | None) -> float:  # fmt: skip
    """:func:`~codeflash_lab.experiments.plateau.keep_gain` from a row's cells."""
    b, a = _f(bl), _f(ol)
    lat = (a - b) / b * 100.0 if b and a is not None else _f(lc)
    b, a = _f(bt), _f(ot)
    thr = (a - b) / b * 100.0 if b and a is not None else _f(tc)
    return max(-lat if lat is not None else 0.0, thr if thr is not None else 0.0, 0.0)


@dataclass
class LedgerDigest:
    """What one pass over the log learned (see the module docstring).

    Attributes:
        rows: experiments so far.
        last_concurrency: the concurrency of the newest row that has one.
        builder: the plateau state.
        path: the log (to parse the newest rows kept as text).
    """

    rows: int = 0
    last_concurrency: int | None = None
    builder: StatusBuilder = field(default_factory=StatusBuilder)
    path: Path = Path("results.tsv")
    extra: tuple[str, ...] = ()
    _keeps: deque[_Entry] = field(default_factory=lambda: deque(maxlen=SHOWN))
    _discards: deque[_Entry] = field(default_factory=lambda: deque(maxlen=SHOWN))

    def add(self, number: int, row: Experiment) -> None:
        """Take in one more row (the newest)."""
        self.rows = number
        (self._keeps if row.status == "KEEP" else self._discards).append((number, row, ""))
        if row.concurrency is not None:
            self.last_concurrency = int(row.concurrency)
        self.builder.add(row)

    def _rows(self, entries: deque[_Entry]) -> list[tuple[int, Experiment]]:
        out: list[tuple[int, Experiment]] = []
        for number, item, line in entries:
            if isinstance(item, Experiment):
                out.append((number, item))
            else:
                lineno = item
                out.append((number, parse_row(line.split("\t"), self.extra, self.path,
                                              lineno, False, [])))  # fmt: skip
        return out

    @property
    def keeps(self) -> list[tuple[int, Experiment]]:
        """The newest :data:`SHOWN` keeps as ``(number, row)``, oldest first."""
        return self._rows(self._keeps)

    @property
    def discards(self) -> list[tuple[int, Experiment]]:
        """The newest :data:`SHOWN` discards, likewise."""
        return self._rows(self._discards)

    @property
    def keep_count(self) -> int:
        """Keeps in the whole log."""
        return self.builder.keeps

    @property
    def discard_count(self) -> int:
        """Discards in the whole log."""
        return self.rows - self.builder.keeps

    @property
    def discards_by_pattern(self) -> dict[str, int]:
        """Discards per pattern over the whole log."""
        return dict(self.builder.discards_by_pattern)

    def status(self) -> LedgerStatus:
        """The plateau state of the rows so far."""
        return self.builder.status()


def scan_ledger(path: str | os.PathLike[str], *, strict: bool = True) -> LedgerDigest:
    """Read results.tsv once, as a stream, into a :class:`LedgerDigest`.

    Raises:
        ResultsFormatError: the log is malformed (the message names line and column).
    """
    p = Path(path)
    digest = LedgerDigest(path=p)
    extra = read_header(p)
    if extra is None:
        return digest
    digest.extra = extra
    match, builder = _ROW.fullmatch, digest.builder
    warnings: list[str] = []
    keeps, discards = digest._keeps, digest._discards
    number = 0
    add = builder.add_fields
    for lineno, line in _lines(p):
        m = match(line)
        if m is not None:
            bl, ol, lc, bt, ot, tc, cc, st, pat = m.groups()
            status, pattern = st.upper(), pat.strip().lower()
            gain = _gain(bl, ol, lc, bt, ot, tc) if status == "KEEP" else 0.0
            if cc is not None:
                digest.last_concurrency = int(float(cc))
        elif not line.strip():
            continue
        else:  # the slow path: any other form, and every error message
            row = parse_row(line.split("\t"), extra, p, lineno, strict, warnings)
            status, pattern = row.status, row.pattern
            gain = keep_gain(row) if status == "KEEP" else 0.0
            if row.concurrency is not None:
                digest.last_concurrency = int(row.concurrency)
        number += 1
        add(status, pattern, gain)
        (keeps if status == "KEEP" else discards).append((number, lineno, line))
    digest.rows = number
    return digest


_BLOCK = 1 << 22


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line after the header, decoded a block at a time
    (a decode error still names its line); ``\r`` before a line end is dropped."""
    lineno = 1
    with path.open("rb") as fh:
        fh.readline()
        rest = b""
        while True:
            block = fh.read(_BLOCK)
            data = rest + block
            if not block:
                cut = len(data)
            else:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
            chunk, rest = data[:cut], data[cut:]
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError as exc:
                start = chunk.rfind(b"\n", 0, exc.start) + 1
                end = chunk.find(b"\n", exc.start)
                bad = chunk[start : end if end >= 0 else len(chunk)]
                inner = UnicodeDecodeError(exc.encoding, bad, exc.start - start,
                                           exc.end - start, exc.reason)  # fmt: skip
                raise decode_error(
                    path, bad, inner, lineno + chunk.count(b"\n", 0, start) + 1
                ) from None
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            for line in lines:
                lineno += 1
                yield lineno, line[:-1] if line.endswith("\r") else line
            if not block:
                return
