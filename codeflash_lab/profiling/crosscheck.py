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
        removed: the KEEP branch "blocking call removed (debug mode confirms)" applies.
        before: slow callbacks counted before the change (at ``path:line`` when given).
        after: the same count after the change.
        evidence: one sentence with the counts and threshold.
    """

    removed: bool
    before: int
    after: int
    evidence: str

    def __bool__(self) -> bool:
        return self.removed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "removed": self.removed,
            "before": self.before,
            "after": self.after,
            "evidence": self.evidence,
        }


def blocking_call_removed(
    before: DebugReport,
    after: DebugReport,
    *,
    path: str | None = None,
    line: int | None = None,
) -> BlockingEvidence:
    """Compare slow callbacks of the same target before and after a change.

    With ``path``/``line`` (the finding that was fixed) only slow callbacks whose location or
    stack includes that line count; otherwise all slow callbacks do. The call counts as
    removed when some were seen before and none after (at that line), or, without a line,
    when fewer remain.

    Args:
        before: debug report of the baseline.
        after: debug report of the changed code (same target, same threshold).
        path: file of the fixed blocking call.
        line: its line in the baseline.

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
    target = (_norm(path), int(line)) if path and line else None

    def count(report: DebugReport) -> int:
        slow = report.slow_callbacks
        return len(slow) if target is None else sum(1 for r in slow if target in _places(r))

    def count_file(report: DebugReport) -> int:
        return sum(
            1 for r in report.slow_callbacks if any(p == _norm(path) for p, _n in _places(r))
        )

    n_before, n_after = count(before), count(after)
    where = f" at {path}:{line}" if target else ""
    if target is not None:
        # After the fix the line numbers may shift: nothing slow left in that file either.
        removed = n_before > 0 and n_after == 0 and count_file(after) < count_file(before)
    else:
        removed = n_before > 0 and n_after < n_before
    text = (
        f"slow callbacks over {before.threshold_ms:g} ms{where}: {n_before} before, {n_after} after"
        + ("; debug mode confirms the blocking call is gone" if removed else "")
    )
    return BlockingEvidence(removed, n_before, n_after, text)
