"""HANDOFF.md's ledger sections follow the log; the Baseline section is filled once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from codeflash_lab.experiments.gitops import HistorySummary
from codeflash_lab.experiments.handoff_sync import note_baseline, refresh_handoff
from codeflash_lab.workspace.handoff import ensure_handoff, read_section, update_section
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment


def exp(status: str, after: float) -> Experiment:
    return Experiment.build(
        commit="abc1234",
        target_test="app:handler",
        baseline_latency_ms=200.0,
        optimized_latency_ms=after,
        baseline_throughput=50.0,
        optimized_throughput=None,
        concurrency=16,
        status=status,
        pattern="client-per-request",
        description="reuse one session",
    )


def test_sections_are_regenerated_from_the_rows(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    ensure_handoff(ws)
    noise = Experiment.build(
        commit="abc1234",
        target_test="app:handler",
        baseline_latency_ms=None,
        optimized_latency_ms=None,
        baseline_throughput=None,
        optimized_throughput=None,
        concurrency=16,
        status="DISCARD",
        pattern="client-per-request",
        description="pool size 20",
    )
    noise = dataclasses.replace(noise, latency_change=-4.0)
    rows = [exp("KEEP", 120.0), exp("DISCARD", 210.0), noise]
    history = HistorySummary((("abc", "async: x"),), (("app.py", 1),), (), ())
    refresh_handoff(ws, rows, history=history)
    assert read_section(ws, "Keeps") == (
        "- #1 `abc1234` client-per-request: reuse one session; latency 200 -> 120 ms (-40%); "
        "concurrency 16"
    )
    discards = (read_section(ws, "Discards") or "").splitlines()
    assert discards[0].startswith("- #2 ")
    assert (
        discards[1]
        == "- #3 `abc1234` client-per-request: pool size 20; latency -4%; concurrency 16"
    )
    plateau = read_section(ws, "Rotation and plateau state") or ""
    assert plateau.startswith("- 3 experiments: 1 kept, 2 discarded")
    assert plateau.endswith(
        "- Files touched by keeps: app.py (1)\n- Approaches that failed 3+ times: none"
    )


def test_baseline_is_filled_once_and_new_baselines_are_added(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    ensure_handoff(ws)
    note_baseline(ws, 1, exp("KEEP", 120.0), replace_placeholder_only=True)
    first = "- app:handler, concurrency 16, p50 200 ms, 50 ops/s (before experiment 1)"
    assert read_section(ws, "Baseline") == first
    note_baseline(ws, 2, exp("KEEP", 120.0), replace_placeholder_only=True)
    assert read_section(ws, "Baseline") == first
    note_baseline(ws, 3, exp("KEEP", 120.0), replace_placeholder_only=False)
    assert (read_section(ws, "Baseline") or "").endswith("(before experiment 3)")
    update_section(ws, "Baseline", "measured by hand")
    note_baseline(ws, 4, exp("KEEP", 120.0), replace_placeholder_only=True)
    assert read_section(ws, "Baseline") == "measured by hand"
