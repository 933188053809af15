"""Keep HANDOFF.md's ledger sections (Keeps, Discards, plateau state, Baseline) in step with the log."""

from __future__ import annotations

import os
from pathlib import Path

from codeflash_lab.experiments.gitops import HistorySummary
from codeflash_lab.experiments.plateau import LedgerStatus, ledger_status
from codeflash_lab.workspace.handoff import (
    append_to_section,
    is_placeholder,
    read_section,
    update_section,
)
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment, format_change

__all__ = ["note_baseline", "refresh_handoff"]


def _ws(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))


def _pair(before: float | None, after: float | None, change: float | None, unit: str) -> str:
    chg = format_change(change)
    if before is not None and after is not None:
        return f"{before:g} -> {after:g}{unit}" + (f" ({chg})" if chg else "")
    return chg


def _row_text(n: int, e: Experiment) -> str:
    parts = [f"#{n} `{e.commit or '-'}` {e.pattern}: {e.description}"]
    latency = _pair(e.baseline_latency_ms, e.optimized_latency_ms, e.latency_change, " ms")
    if latency:
        parts.append(f"latency {latency}")
    throughput = _pair(e.baseline_throughput, e.optimized_throughput, e.throughput_change, "")
    if throughput:
        parts.append(f"throughput {throughput}")
    if e.concurrency is not None:
        parts.append(f"concurrency {e.concurrency:g}")
    return "- " + "; ".join(parts)


def refresh_handoff(
    workspace: Workspace | str | os.PathLike[str],
    rows: tuple[Experiment, ...] | list[Experiment],
    status: LedgerStatus | None = None,
    history: HistorySummary | None = None,
) -> None:
    """Rewrite HANDOFF.md's Keeps, Discards and Rotation-and-plateau sections from the log.

    These three sections are generated: hand edits inside them are replaced. A git
    ``history`` summary, when given, is added to the rotation section.
    """
    ws = _ws(workspace)
    status = status or ledger_status(rows)
    keeps = [_row_text(i, r) for i, r in enumerate(rows, 1) if r.status == "KEEP"]
    discards = [_row_text(i, r) for i, r in enumerate(rows, 1) if r.status == "DISCARD"]
    update_section(ws, "Keeps", "\n".join(keeps) or "_None yet._")
    update_section(ws, "Discards", "\n".join(discards) or "_None yet._")
    text = status.to_markdown()
    if history is not None:
        text += "\n\n" + "\n".join(f"- {line}" for line in history.to_text().splitlines())
    update_section(ws, "Rotation and plateau state", text)


def note_baseline(
    ws: Workspace, number: int, e: Experiment, *, replace_placeholder_only: bool
) -> None:
    """Write the baseline numbers of experiment ``number`` into HANDOFF.md's Baseline section.

    The first experiment fills the section only while it still holds the template's
    placeholder; a new baseline is added below whatever is there.
    """
    parts = [f"{e.target_test}"]
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
