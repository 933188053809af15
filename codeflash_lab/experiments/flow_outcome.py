"""The experiment flow's outcome: what the record step hands the ledger and what it prints.

The saved compare's numbers and the guard's test counts become the row's values; after
the ledger wrote the sidecar (``.codeflash/experiments/<id>.json``), the revert and the
saved patch are added to it; the outcome's lines are the guard's summary, the ruling,
the ledger's progress lines and, for a DISCARD, how to re-apply the saved change.

:mod:`codeflash_lab.experiments.flow` holds the steps; this module holds what
:func:`~codeflash_lab.experiments.flow.record` assembles.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeflash_lab.experiments.compare_input import CompareNumbers
from codeflash_lab.experiments.ledger import RecordResult
from codeflash_lab.verdicts import Ruling
from codeflash_lab.workspace.experiment_record import GuardRun, find_record, finish_record
from codeflash_lab.workspace.layout import Workspace

__all__ = ["note_steps", "outcome_lines", "row_values"]


def row_values(numbers: CompareNumbers | None, guard: GuardRun | None) -> dict[str, Any]:
    """The row's measured values: the guard's test counts and the compare's numbers."""
    values: dict[str, Any] = (
        {"tests_passed": guard.passed, "tests_failed": guard.failed} if guard and guard.ran else {}
    )
    if numbers is not None:
        values.update(
            baseline_latency_ms=numbers.baseline_latency_ms,
            optimized_latency_ms=numbers.optimized_latency_ms,
            baseline_throughput=numbers.baseline_throughput,
            optimized_throughput=numbers.optimized_throughput,
            p99_change=numbers.p99_change,
            concurrency=numbers.concurrency,
        )
    return values


def note_steps(
    ws: Workspace, result: RecordResult, reverted: tuple[str, ...], patch: Path | None
) -> Path | None:
    """Add the revert and the saved patch to the sidecar the ledger wrote."""
    rid = getattr(result, "record_id", None)
    rec = find_record(ws, rid) if rid else None
    if rec is None:
        return None
    patch_ref = None if patch is None else str(patch.relative_to(ws.project))
    return finish_record(ws, rec.step(reverted=bool(reverted), patch=patch_ref))


def outcome_lines(
    ruling: Ruling,
    result: RecordResult,
    guard: GuardRun | None,
    patch: Path | None,
    root: Path,
    files: Sequence[str],
) -> tuple[str, ...]:
    """What to print: the guard, the ruling, the ledger's lines, how to re-apply a DISCARD."""
    lines = [ruling.line(), *result.lines]
    if guard is not None:
        lines.insert(0, f"[guard] {guard.summary()}")
    if patch is not None:
        rel = os.path.relpath(patch, root)
        lines.append(
            f"[experiment {result.number}] reverted {', '.join(files)}; the change is saved "
            f"in {rel}; re-apply it with: git apply {rel}"
        )
    return tuple(lines)
