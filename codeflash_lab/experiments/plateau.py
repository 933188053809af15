"""Plateau, strategy rotation and stuck-state rules over the experiment log (pure).

- irreducible: 3 or more consecutive discards;
- diminishing returns: each of the last 3 keeps gained less than half of the keep
  before it (so 4 keeps with a measured gain are needed to tell; a correctness keep
  with no gain is left out of the chain);
- rotation: 3 or more consecutive discards within one strategy family move work
  to the next family in :data:`codeflash_lab.categories.STRATEGIES`;
- stuck: 5 or more consecutive discards start the recovery checklist; 3 more
  experiments without a keep after that mean stop.
"""

from __future__ import annotations

import html
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from codeflash_lab.categories import STRATEGIES, strategy_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DIMINISHING_RATIO",
    "IRREDUCIBLE_AFTER",
    "ROTATE_AFTER",
    "STOP_AFTER_STUCK",
    "STUCK_AFTER",
    "STUCK_CHECKLIST",
    "LedgerStatus",
    "StatusBuilder",
    "keep_gain",
    "ledger_status",
]

IRREDUCIBLE_AFTER = 3
ROTATE_AFTER = 3
STUCK_AFTER = 5
STOP_AFTER_STUCK = 3
DIMINISHING_RATIO = 0.5

#: What to do once stuck, before giving up.
STUCK_CHECKLIST: tuple[str, ...] = (
    "Read every in-scope file again from the top; trust the code, not your memory of it.",
    "Read the whole results.tsv: which files and techniques produced keeps, which failed again "
    "and again.",
    "Read the original goal again and check the work has not drifted from it.",
    "Try combining two or three earlier keeps that touch the same async path.",
    "Try the opposite of what keeps failing: a coarser, cross-function change instead of local "
    "tweaks, or the reverse.",
    "Look at `git log --oneline -20 --stat` for files where keeps cluster.",
)


class _Row(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def pattern(self) -> str: ...
    @property
    def latency_change(self) -> float | None: ...
    @property
    def throughput_change(self) -> float | None: ...


def _change(row: _Row, before: str, after: str, column: float | None) -> float | None:
    """The exact change from the row's numbers when it has them (the column is rounded)."""
    b, a = getattr(row, before, None), getattr(row, after, None)
    if isinstance(b, int | float) and isinstance(a, int | float) and b:
        return (a - b) / b * 100.0
    return column


def keep_gain(row: _Row) -> float:
    """The gain of one experiment in percent: the larger of latency saved and throughput won.

    A 63% faster row gains 63; a +172% throughput row gains 172; missing numbers count 0.
    The changes are computed from the row's before/after numbers when present, since
    results.tsv rounds its change columns to whole percents.
    """
    lat = _change(row, "baseline_latency_ms", "optimized_latency_ms", row.latency_change)
    thr = _change(row, "baseline_throughput", "optimized_throughput", row.throughput_change)
    return max(-lat if lat is not None else 0.0, thr if thr is not None else 0.0, 0.0)


def _family(pattern: str) -> str:
    """The strategy family of a pattern; an unknown pattern is its own family."""
    return strategy_for(pattern) or (pattern.strip().lower() or "unclassified")


@dataclass(frozen=True, slots=True)
class LedgerStatus:
    """Where the experiment loop stands, derived from results.tsv alone.

    ``next_strategy`` is the family to work on in the next experiment: the
    current one, or the one after it when rotation is due (``None`` when all
    four families have been rotated through).
    """

    experiments: int
    keeps: int
    discards: int
    consecutive_discards: int
    irreducible: bool
    diminishing_returns: bool
    rotate: bool
    stuck: bool
    stop: bool
    current_strategy: str | None
    next_strategy: str | None
    advice: str
    same_strategy_discards: int
    experiments_left: int | None
    recent_keep_gains: tuple[float, ...]
    failed_patterns: tuple[str, ...]
    stuck_checklist: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``codeflash-lab status --format json``."""
        d = asdict(self)
        d["recent_keep_gains"] = [round(g, 1) for g in self.recent_keep_gains]
        d["failed_patterns"] = list(self.failed_patterns)
        d["stuck_checklist"] = list(self.stuck_checklist)
        return d

    def to_frame(self) -> pd.DataFrame:
        """One row per fact (``fact``, ``value``)."""
        import pandas as pd

        items = [(k, v) for k, v in self.to_dict().items() if k != "stuck_checklist"]
        return pd.DataFrame(items, columns=["fact", "value"]).set_index("fact")

    def flags(self) -> list[str]:
        """The names of the raised flags, in order of severity."""
        names = ("stop", "stuck", "diminishing_returns", "irreducible", "rotate")
        return [n for n in names if getattr(self, n)]

    def to_text(self) -> str:
        """A short human summary (what ``codeflash-lab status`` prints)."""
        lines = [
            f"{self.experiments} experiments: {self.keeps} kept, {self.discards} discarded; "
            f"{self.consecutive_discards} consecutive discard(s)",
            f"strategy: {self.current_strategy or '-'} -> next: {self.next_strategy or '-'}",
            f"flags: {', '.join(self.flags()) or 'none'}",
        ]
        if self.experiments_left is not None:
            lines.append(f"experiments left before stopping: {self.experiments_left}")
        lines.append(f"advice: {self.advice}")
        if self.stuck and not self.stop:
            lines.append("recovery checklist:")
            lines += [f"  {i}. {step}" for i, step in enumerate(self.stuck_checklist, 1)]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The summary as a Markdown list (what HANDOFF.md shows)."""
        lines = []
        for line in self.to_text().splitlines():
            if line.startswith("  "):
                lines.append("   " + line.strip())
            else:
                lines.append(f"- {line}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in self.to_dict().items()
            if k != "stuck_checklist"
        )
        return f"<table>{rows}</table>"


def _diminishing(gains: Sequence[float]) -> bool:
    if len(gains) < 4:
        return False
    last = list(gains)[-4:]
    return all(last[i] < DIMINISHING_RATIO * last[i - 1] for i in range(1, 4))


def _next_family(current: str | None) -> str | None:
    if current not in STRATEGIES:
        return STRATEGIES[0]
    i = STRATEGIES.index(current)
    return STRATEGIES[i + 1] if i + 1 < len(STRATEGIES) else None


_FAMILIES: dict[str, str] = {}


class StatusBuilder:
    """:func:`ledger_status` one row at a time, in constant memory.

    Feed rows oldest first with :meth:`add`; :meth:`status` gives the
    :class:`LedgerStatus` of the rows so far (and can be called again after more rows).
    It keeps counts, the trailing run of discards, the last four keep gains and the
    discards per pattern: never the rows themselves.
    """

    __slots__ = (
        "_family_run",
        "_last_family",
        "_run_family",
        "consecutive",
        "discards_by_pattern",
        "gains",
        "keeps",
        "rows",
    )

    def __init__(self) -> None:
        self.rows = 0
        self.keeps = 0
        self.consecutive = 0
        self._run_family: str | None = None
        self._family_run = 0
        self._last_family: str | None = None
        self.gains: deque[float] = deque(maxlen=4)
        self.discards_by_pattern: dict[str, int] = {}

    def add(self, row: _Row) -> None:
        """Count one more row (the newest)."""
        status = row.status.upper()
        self.add_fields(status, row.pattern, keep_gain(row) if status == "KEEP" else 0.0)

    def add_fields(self, status: str, pattern: str, gain: float) -> None:
        """Count one more row given as its upper-case status, its pattern and, for a keep,
        its :func:`keep_gain` (the fast path of a streaming reader)."""
        self.rows += 1
        family = _FAMILIES.get(pattern)
        if family is None:
            family = _FAMILIES.setdefault(pattern, _family(pattern))
        self._last_family = family
        if status == "KEEP":
            self.keeps += 1
            self.consecutive = 0
            self._run_family, self._family_run = None, 0
            if gain > 0:  # keeps with no measured gain say nothing about returns
                self.gains.append(gain)
            return
        self.consecutive += 1
        self.discards_by_pattern[pattern] = self.discards_by_pattern.get(pattern, 0) + 1
        if family == self._run_family:
            self._family_run += 1
        else:
            self._run_family, self._family_run = family, 1

    def status(self) -> LedgerStatus:
        """The :class:`LedgerStatus` of the rows added so far."""
        consecutive, same = self.consecutive, self._family_run
        current = self._last_family if self.rows else STRATEGIES[0]
        rotate = same >= ROTATE_AFTER
        nxt = _next_family(current) if rotate else current
        gains = tuple(self.gains)
        irreducible = consecutive >= IRREDUCIBLE_AFTER
        diminishing = _diminishing(gains)
        stuck = consecutive >= STUCK_AFTER
        stop_after = STUCK_AFTER + STOP_AFTER_STUCK
        stop = consecutive >= stop_after or diminishing
        left = max(0, stop_after - consecutive) if stuck else None
        failed = tuple(sorted(p for p, n in self.discards_by_pattern.items() if n >= 3))
        advice = _advice(
            n=self.rows,
            consecutive=consecutive,
            same=same,
            irreducible=irreducible,
            diminishing=diminishing,
            rotate=rotate,
            stuck=stuck,
            left=left,
            current=current,
            nxt=nxt,
        )
        return LedgerStatus(
            experiments=self.rows,
            keeps=self.keeps,
            discards=self.rows - self.keeps,
            consecutive_discards=consecutive,
            irreducible=irreducible,
            diminishing_returns=diminishing,
            rotate=rotate,
            stuck=stuck,
            stop=stop,
            current_strategy=current,
            next_strategy=nxt,
            advice=advice,
            same_strategy_discards=same,
            experiments_left=left,
            recent_keep_gains=gains,
            failed_patterns=failed,
            stuck_checklist=STUCK_CHECKLIST if stuck else (),
        )


def ledger_status(rows: Iterable[_Row]) -> LedgerStatus:
    """Apply the plateau, rotation and stuck rules to the log's rows (oldest first).

    The rows are consumed once, as a stream (see :class:`StatusBuilder`).

    Args:
        rows: results.tsv rows (:class:`~codeflash_lab.workspace.Experiment` or anything
            with ``status``, ``pattern``, ``latency_change`` and ``throughput_change``).

    Returns:
        The :class:`LedgerStatus`, with advice in words.
    """
    builder = StatusBuilder()
    for row in rows:
        builder.add(row)
    return builder.status()


def _advice(
    *,
    n: int,
    consecutive: int,
    same: int,
    irreducible: bool,
    diminishing: bool,
    rotate: bool,
    stuck: bool,
    left: int | None,
    current: str | None,
    nxt: str | None,
) -> str:
    if n == 0:
        return "No experiments yet: measure a baseline, then start with the highest-impact target."
    if diminishing:
        return (
            "Diminishing returns: each of the last 3 keeps gained less than half of the one "
            "before. Stop, run the pre-submit review and write the report."
        )
    if stuck and left == 0:
        return (
            f"{consecutive} consecutive discards, 3 of them after the recovery checklist: the "
            "code looks to be at its floor for these strategies. Stop and report what was tried."
        )
    if stuck:
        return (
            f"Stuck: {consecutive} consecutive discards. Work through the recovery checklist; "
            f"stop if the next {left} experiment(s) bring no keep."
        )
    parts: list[str] = []
    if irreducible:
        parts.append(
            f"{consecutive} consecutive discards: check whether the remaining targets are bound "
            "by network latency, already concurrent, or rate-limited; if the top 3 all are, stop "
            "and report."
        )
    if rotate:
        if nxt is None:
            parts.append(
                f"{same} discards in a row with {current}, the last strategy: every strategy "
                "has been tried."
            )
        else:
            parts.append(f"{same} discards in a row with {current}: switch to {nxt}.")
    if parts:
        return " ".join(parts)
    if consecutive:
        return f"{consecutive} discard(s) in a row; continue with {current}."
    return f"Last experiment kept; continue with {current}."
