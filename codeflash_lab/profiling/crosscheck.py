"""Scanner findings against runtime evidence: confirmed findings, runtime-only leads, before/after.

Findings are any objects (or mappings) with ``path``, ``line`` and ``category``; the
scanner's ``Finding`` fits, and so do the dicts saved in ``.codeflash/runs/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codeflash_lab.profiling._render import html_table, text_table
from codeflash_lab.profiling.lag import LagResult
from codeflash_lab.profiling.records import DebugRecord, DebugReport

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BLOCKING_CATEGORIES",
    "BlockingEvidence",
    "Confirmation",
    "CrossCheck",
    "blocking_call_removed",
    "crosscheck",
]

#: Categories a slow callback can confirm: code that holds the loop while it runs.
BLOCKING_CATEGORIES = frozenset({"blocking-call", "cpu-in-event-loop", "asyncio-run-in-async"})


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


def _norm(path: str | None) -> str:
    return os.path.normcase(os.path.realpath(path)) if path else ""


def _records(evidence: DebugReport | LagResult) -> tuple[DebugRecord, ...]:
    if isinstance(evidence, DebugReport):
        return evidence.records
    return tuple(
        DebugRecord(
            kind="slow-callback",
            name=s.task or s.callback or "stall",
            duration_ms=s.duration_ms if s.duration_ms is not None else s.lag_ms,
            path=s.path,
            line=s.line,
            stack=s.stack,
            message=f"loop stalled {s.lag_ms:.1f} ms",
        )
        for s in evidence.stalls
    )


def _places(record: DebugRecord) -> set[tuple[str, int]]:
    places = {(_norm(p), int(n)) for p, n, _f in record.stack}
    if record.path and record.line:
        places.add((_norm(record.path), int(record.line)))
    return places


def _matches(finding: Any, record: DebugRecord) -> bool:
    path, line, category = (
        _norm(_get(finding, "path")),
        _get(finding, "line"),
        _get(finding, "category"),
    )
    if not path or line is None:
        return False
    line = int(line)
    if record.kind == "slow-callback":
        return category in BLOCKING_CATEGORIES and (path, line) in _places(record)
    return (_norm(record.path), record.line) == (path, line)


@dataclass(frozen=True)
class Confirmation:
    """A static finding seen happening at runtime.

    Attributes:
        finding: the finding as a dict (``path``, ``line``, ``category`` and whatever else it had).
        records: the runtime records that confirm it.
    """

    finding: dict[str, Any]
    records: tuple[DebugRecord, ...]

    @property
    def worst_ms(self) -> float | None:
        """The longest slow callback among the confirming records."""
        durations = [r.duration_ms for r in self.records if r.duration_ms is not None]
        return max(durations) if durations else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "finding": self.finding,
            "worst_ms": self.worst_ms,
            "records": [r.to_dict() for r in self.records],
        }


def _finding_dict(finding: Any) -> dict[str, Any]:
    if isinstance(finding, Mapping):
        return dict(finding)
    to_dict = getattr(finding, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    return {k: _get(finding, k) for k in ("path", "line", "category", "code", "message")}


@dataclass(frozen=True)
class CrossCheck:
    """Static findings next to runtime evidence.

    Attributes:
        confirmed: findings a runtime record points at.
        unconfirmed: findings nothing at runtime pointed at (not proof they are harmless).
        leads: runtime records (mostly slow callbacks) no finding explains.
    """

    confirmed: tuple[Confirmation, ...]
    unconfirmed: tuple[dict[str, Any], ...]
    leads: tuple[DebugRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "confirmed": [c.to_dict() for c in self.confirmed],
            "unconfirmed": list(self.unconfirmed),
            "leads": [r.to_dict() for r in self.leads],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per finding or lead: status, category, where, worst_ms, name."""
        import pandas as pd

        return pd.DataFrame(
            self._rows(), columns=["status", "category", "where", "worst_ms", "what"]
        )

    def _rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for c in self.confirmed:
            f = c.finding
            rows.append(
                [
                    "confirmed",
                    f.get("category"),
                    f"{f.get('path')}:{f.get('line')}",
                    c.worst_ms,
                    f.get("message") or f.get("code") or "",
                ]
            )
        for f in self.unconfirmed:
            rows.append(
                [
                    "not seen",
                    f.get("category"),
                    f"{f.get('path')}:{f.get('line')}",
                    None,
                    f.get("message") or f.get("code") or "",
                ]
            )
        for r in self.leads:
            rows.append(["lead", r.kind, r.where, r.duration_ms, r.name])
        return rows

    def _headline(self) -> str:
        return (
            f"{len(self.confirmed)} finding(s) confirmed at runtime, {len(self.unconfirmed)} not "
            f"seen, {len(self.leads)} runtime lead(s) with no static finding"
        )

    def __str__(self) -> str:
        rows = self._rows()
        table = text_table(["status", "category", "where", "worst_ms", "what"], rows)
        return self._headline() + ("\n" + table if rows else "")

    def _repr_html_(self) -> str:
        return html_table(
            ["status", "category", "where", "worst_ms", "what"],
            self._rows(),
            caption=self._headline(),
        )


def crosscheck(findings: Iterable[Any], evidence: DebugReport | LagResult) -> CrossCheck:
    """Mark findings that runtime evidence confirms, and list stalls no finding explains.

    A ``blocking-call``/``cpu-in-event-loop``/``asyncio-run-in-async`` finding is confirmed
    when its line appears in a slow callback's location or stack sample; any finding is
    confirmed by a never-awaited coroutine or unclosed resource reported at its line.

    Args:
        findings: objects or mappings with ``path``, ``line`` and ``category``.
        evidence: a debug-mode report or a lag-monitor result.

    Returns:
        The :class:`CrossCheck`.
    """
    records = _records(evidence)
    confirmed: list[Confirmation] = []
    unconfirmed: list[dict[str, Any]] = []
    used: set[int] = set()
    for finding in findings:
        hits = tuple(r for r in records if _matches(finding, r))
        used.update(id(r) for r in hits)
        if hits:
            confirmed.append(Confirmation(_finding_dict(finding), hits))
        else:
            unconfirmed.append(_finding_dict(finding))
    leads = tuple(r for r in records if id(r) not in used and r.kind == "slow-callback")
    return CrossCheck(tuple(confirmed), tuple(unconfirmed), leads)


@dataclass(frozen=True)
class BlockingEvidence:
    """Whether debug mode shows a blocking call gone, and why (truthy when it does).

    Attributes:
        removed: the KEEP rule ``blocking-removed`` applies.
        before: slow callbacks at the fixed call before the change (all of them without one).
        after: slow callbacks with the fixed function on their stack after the change (all of
            them without one).
        evidence: one sentence with the counts, the slow-callback times and the threshold.
        function: the fixed function, as debug mode saw it on the stack (``None`` unknown).
        total_before_ms: the scenario's total slow-callback time before the change.
        total_after_ms: the same after the change.
    """

    removed: bool
    before: int
    after: int
    evidence: str
    function: str | None = None
    total_before_ms: float = 0.0
    total_after_ms: float = 0.0

    def __bool__(self) -> bool:
        return self.removed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "removed": self.removed,
            "before": self.before,
            "after": self.after,
            "evidence": self.evidence,
            "function": self.function,
            "total_before_ms": self.total_before_ms,
            "total_after_ms": self.total_after_ms,
        }


def _total_ms(records: Iterable[DebugRecord]) -> float:
    return sum(r.duration_ms or 0.0 for r in records)


def blocking_call_removed(
    before: DebugReport,
    after: DebugReport,
    *,
    path: str | None = None,
    line: int | None = None,
    after_path: str | None = None,
) -> BlockingEvidence:
    """Did debug mode see the loop blocked at the fixed call, and no longer see it?

    With ``path``/``line`` (the finding that was fixed, in the baseline) both must hold, in
    the same scenario:

    1. before, some slow callback had that line on its stack, inside a function ``f``; after,
       no slow callback has ``f`` on its stack blocking in ``f`` itself or in something it
       calls that was not a slow site of its own before (so a blocking call moved into a
       helper that ``f`` calls still counts against it, while a separate slow function ``f``
       also calls, seen before and after, does not); a slow callback under half as long as
       the shortest one blocked at that line is the busy machine, not the call;
    2. the scenario's total slow-callback time went down by at least half of what was
       blocked at that line (a call moved elsewhere keeps the total up).

    Slow callbacks elsewhere, in the same file or not, veto nothing. Without ``path``/``line``
    all slow callbacks count: fewer of them and less total time.

    Args:
        before: debug report of the baseline.
        after: debug report of the changed code (same scenario, same threshold).
        path: file of the fixed blocking call.
        line: its line in the baseline.
        after_path: where that file is after the change (default: ``path``).

    Returns:
        The :class:`BlockingEvidence`.
    """
    if before.threshold_ms != after.threshold_ms:
        return BlockingEvidence(
            False,
            0,
            0,
            f"thresholds differ ({before.threshold_ms:g} vs {after.threshold_ms:g} ms): not comparable",
        )
    if not (before.ok and after.ok):
        return BlockingEvidence(
            False,
            0,
            0,
            f"a run failed (exit codes {before.exit_code} and {after.exit_code}): not comparable",
        )
    slow_before, slow_after = before.slow_callbacks, after.slow_callbacks
    total_b, total_a = _total_ms(slow_before), _total_ms(slow_after)
    totals = f"total slow-callback time {total_b:.0f} -> {total_a:.0f} ms"
    limit = f"slow callbacks over {before.threshold_ms:g} ms"
    if not (path and line):
        n_b, n_a = len(slow_before), len(slow_after)
        removed = n_b > 0 and n_a < n_b and total_a < total_b
        text = f"{limit}: {n_b} before, {n_a} after; {totals}"
        if removed:
            text += "; debug mode no longer sees that much blocking"
        return BlockingEvidence(removed, n_b, n_a, text, None, total_b, total_a)
    target = (_norm(path), int(line))
    at_line = [r for r in slow_before if target in _places(r)]
    function = next(
        (name for r in at_line for p, n, name in r.stack if (_norm(p), int(n)) == target and name),
        None,
    )
    if function is None and at_line:
        function = at_line[0].name
    where = _norm(after_path or path)

    def innermost(record: DebugRecord, file: str) -> str | None:
        names = [name for p, _n, name in record.stack if _norm(p) == file]
        return names[-1] if names else None

    # Slow sites of the baseline that are not the fixed call (a checksum the same handler
    # calls, say): still blocking after the fix, they are unrelated and veto nothing.
    unrelated = {innermost(r, target[0]) for r in slow_before if r not in at_line} - {None}
    # A slow callback a fraction as long as the blocked ones is the machine being busy (at a
    # 5 ms threshold, any callback is slow when the CPU is shared 10 ways), not the call.
    floor_ms = 0.5 * min((r.duration_ms or 0.0) for r in at_line) if at_line else 0.0
    still = [
        r
        for r in slow_after
        if (r.duration_ms or 0.0) >= floor_ms
        and function is not None
        and any(_norm(p) == where and name == function for p, _n, name in r.stack)
        and (innermost(r, where) == function or innermost(r, where) not in unrelated)
    ]
    blocked_ms = _total_ms(at_line)
    went_down = total_a <= total_b - blocked_ms / 2
    removed = bool(at_line) and not still and went_down
    fn = f" in {function}()" if function else ""
    text = (
        f"{limit} at {path}:{line}{fn}: {len(at_line)} before, {len(still)} after with "
        f"{function or 'it'} on the stack; {totals}"
    )
    if removed:
        text += "; debug mode confirms the blocking call is gone"
    elif at_line and still:
        text += "; the fixed function (or what it calls) still blocks the loop"
    elif at_line and not went_down:
        text += "; the blocking time did not go away (moved elsewhere?)"
    return BlockingEvidence(removed, len(at_line), len(still), text, function, total_b, total_a)
