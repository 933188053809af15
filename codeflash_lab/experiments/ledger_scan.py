"""One streaming pass over results.tsv: counts, plateau state and the newest rows.

``status``, ``record`` and the HANDOFF refresh all need the same few facts, never
the whole log: the :class:`~codeflash_lab.experiments.plateau.StatusBuilder` state,
the last :data:`SHOWN` keeps and discards, the last concurrency. Memory stays flat
whatever the size of the log.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from codeflash_lab.experiments.plateau import LedgerStatus, StatusBuilder
from codeflash_lab.workspace.results import Experiment, iter_results

__all__ = ["SHOWN", "LedgerDigest", "scan_ledger"]

#: Keeps (and discards) HANDOFF.md lists; older ones are counted, not listed.
SHOWN = 50


@dataclass
class LedgerDigest:
    """What one pass over the log learned (see the module docstring).

    Attributes:
        rows: experiments so far.
        keeps: the newest :data:`SHOWN` keeps as ``(number, row)``, oldest first.
        discards: the newest :data:`SHOWN` discards, likewise.
        last_concurrency: the concurrency of the newest row that has one.
        builder: the plateau state.
    """

    rows: int = 0
    keeps: deque[tuple[int, Experiment]] = field(default_factory=lambda: deque(maxlen=SHOWN))
    discards: deque[tuple[int, Experiment]] = field(default_factory=lambda: deque(maxlen=SHOWN))
    last_concurrency: int | None = None
    builder: StatusBuilder = field(default_factory=StatusBuilder)

    def add(self, number: int, row: Experiment) -> None:
        """Take in one more row (the newest)."""
        self.rows = number
        (self.keeps if row.status == "KEEP" else self.discards).append((number, row))
        if row.concurrency is not None:
            self.last_concurrency = int(row.concurrency)
        self.builder.add(row)

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
    digest = LedgerDigest()
    for number, row in iter_results(Path(path), strict=strict):
        digest.add(number, row)
    return digest
