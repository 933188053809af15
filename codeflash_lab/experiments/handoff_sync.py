"""Keep HANDOFF.md's ledger sections (Keeps, Discards, plateau state, Baseline) in step with the log.

The sections are rebuilt from one streaming pass over results.tsv (a
:class:`~codeflash_lab.experiments.ledger_scan.LedgerDigest`): the last
:data:`~codeflash_lab.experiments.ledger_scan.SHOWN` keeps and discards, counts for the
rest, and for each row the rule and evidence its record names. Every free-text
field is folded to one line first (:func:`~codeflash_lab.workspace.handoff.fold_text`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from codeflash_lab.experiments.gitops import HistorySummary
from codeflash_lab.experiments.ledger_scan import LedgerDigest
from codeflash_lab.experiments.plateau import LedgerStatus
from codeflash_lab.experiments.row_evidence import read_row_evidence
from codeflash_lab.workspace.handoff import (
    append_to_section,
    fold_text,
    is_placeholder,
    read_section,
    update_sections,
)
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment, format_change

__all__ = ["handoff_bodies", "note_baseline", "refresh_handoff", "row_text"]


def _ws(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))


def _pair(before: float | None, after: float | None, change: float | None, unit: str) -> str:
    chg = format_change(change)
    if before is not None and after is not None:
        return f"{before:g} -> {after:g}{unit}" + (f" ({chg})" if chg else "")
    return chg


def row_text(n: int, e: Experiment, verdict: str | None = None) -> str:
    """One HANDOFF.md list line for row ``n``; ``verdict`` is its record's verdict line."""
    parts = [
        f"#{n} `{fold_text(e.commit) or '-'}` {fold_text(e.pattern)}: {fold_text(e.description)}"
    ]
    latency = _pair(e.baseline_latency_ms, e.optimized_latency_ms, e.latency_change, " ms")
    if latency:
        parts.append(f"latency {latency}")
    throughput = _pair(e.baseline_throughput, e.optimized_throughput, e.throughput_change, "")
    if throughput:
        parts.append(f"throughput {throughput}")
    if e.concurrency is not None:
        parts.append(f"concurrency {e.concurrency:g}")
    if verdict:
        parts.append(fold_text(verdict))
    return "- " + "; ".join(parts)


def _listing(ws: Workspace, shown: Sequence[tuple[int, Experiment]], total: int, kind: str) -> str:
    if not shown:
        return "_None yet._"
    evidence = read_row_evidence(ws, [n for n, _ in shown])
    lines = [row_text(n, r, evidence.get(n, ("", ""))[1]) for n, r in shown]
    if total > len(shown):
        lines.insert(0, f"{total} {kind} in all; the last {len(shown)}:")
    return "\n".join(lines)


def _digest(rows: Sequence[Experiment]) -> LedgerDigest:
    digest = LedgerDigest()
    for i, row in enumerate(rows, 1):
        digest.add(i, row)
    return digest


def handoff_bodies(
    ws: Workspace,
    digest: LedgerDigest,
    status: LedgerStatus | None = None,
    history: HistorySummary | None = None,
) -> dict[str, str]:
    """The bodies of the generated sections: Keeps, Discards, Rotation and plateau state."""
    status = status or digest.status()
    text = status.to_markdown()
    if history is not None:
        text += "\n\n" + "\n".join(f"- {line}" for line in history.to_text().splitlines())
    return {
        "Keeps": _listing(ws, list(digest.keeps), digest.keep_count, "keeps"),
        "Discards": _listing(ws, list(digest.discards), digest.discard_count, "discards"),
        "Rotation and plateau state": text,
    }


def refresh_handoff(
    workspace: Workspace | str | os.PathLike[str],
    rows: LedgerDigest | Sequence[Experiment],
    status: LedgerStatus | None = None,
    history: HistorySummary | None = None,
) -> None:
    """Rewrite HANDOFF.md's Keeps, Discards and Rotation-and-plateau sections from the log.

    These sections are generated: hand edits inside them are replaced. They are
    written together, in one locked atomic replace. A git ``history`` summary, when
    given, is added to the rotation section.

    Args:
        workspace: the project.
        rows: a :class:`LedgerDigest` (one streaming pass) or the rows themselves.
        status: the plateau state (default: from ``rows``).
        history: the git history summary, when the project is a repository.
    """
    ws = _ws(workspace)
    digest = rows if isinstance(rows, LedgerDigest) else _digest(rows)
    bodies = handoff_bodies(ws, digest, status, history)
    # Ranked targets and Next steps are filled by their own writer, after this one.
    update_sections(ws, bodies)
    from codeflash_lab.experiments.handoff_sections import refresh_derived_sections

    refresh_derived_sections(ws, digest, status)  # Ranked targets, Next steps, lock


def note_baseline(
    ws: Workspace, number: int, e: Experiment, *, replace_placeholder_only: bool
) -> None:
    """Write the baseline numbers of experiment ``number`` into HANDOFF.md's Baseline section.

    The first experiment fills the section only while it still holds the template's
    placeholder; a new baseline is added below whatever is there.
    """
    parts = [fold_text(e.target_test)]
    if e.concurrency is not None:
        parts.append(f"concurrency {e.concurrency:g}")
    if e.baseline_latency_ms is not None:
        parts.append(f"p50 {e.baseline_latency_ms:g} ms")
    if e.baseline_throughput is not None:
        parts.append(f"{e.baseline_throughput:g} ops/s")
    line = f"- {', '.join(parts)} (before experiment {number})"
    current = read_section(ws, "Baseline")
    if replace_placeholder_only and current is not None and not is_placeholder(current):
        return
    append_to_section(ws, "Baseline", line)
