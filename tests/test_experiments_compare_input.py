"""Numbers for a row from a saved compare run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.experiments.compare_input import load_compare
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.runs import save_run


def compare_doc(verdict: str = "KEEP", concurrency: int = 50) -> dict[str, Any]:
    def side(p50: float, thr: float) -> dict[str, Any]:
        return {"latency_ms": {"p50": p50, "p99": p50 * 2}, "throughput_ops_s": thr, "runs": []}

    return {
        "target": "demo:handler",
        "mode": "closed",
        "concurrency": concurrency,
        "methodology_id": "abc",
        "verdict": verdict,
        "reason": "r",
        "a": side(850.0, 12.0),
        "b": side(310.0, 33.0),
        "criteria": {"p99": {"change_pct": -61.0}},
    }


def test_latest_and_by_path(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="no saved compare run"):
        load_compare(ws, "latest")
    save_run(ws, "compare", compare_doc("DISCARD"))
    path = save_run(ws, "compare", compare_doc("KEEP", 64))
    save_run(ws, "bench", {"target": "other"})
    latest = load_compare(ws, "latest")
    assert latest.concurrency == 64
    assert (latest.baseline_latency_ms, latest.optimized_latency_ms) == (850.0, 310.0)
    assert (latest.baseline_throughput, latest.optimized_throughput) == (12.0, 33.0)
    assert latest.p99_change == -61.0
    assert latest.confirmed is True
    by_name = load_compare(ws, path.name)
    assert by_name.source == str(path)
    assert load_compare(ws, str(path)).to_dict()["target"] == "demo:handler"


@pytest.mark.parametrize(("verdict", "confirmed"), [("DISCARD", False), ("INCONCLUSIVE", None)])
def test_verdict_maps_to_confirmation(tmp_path: Path, verdict: str, confirmed: bool | None) -> None:
    path = save_run(tmp_path, "compare", compare_doc(verdict))
    assert load_compare(tmp_path, str(path)).confirmed is confirmed


def test_a_small_consistent_gain_counts_as_confirmed(tmp_path: Path) -> None:
    doc = compare_doc("DISCARD")
    doc["small_change"] = "confirmed"
    assert load_compare(tmp_path, str(save_run(tmp_path, "compare", doc))).confirmed is True
    doc["small_change"] = "noise"
    assert load_compare(tmp_path, str(save_run(tmp_path, "compare", doc))).confirmed is False


def test_unusable_files(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="cannot read"):
        load_compare(tmp_path, "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(WorkspaceError, match="not valid JSON"):
        load_compare(tmp_path, str(bad))
    bad.write_text('{"kind": "bench"}')
    with pytest.raises(WorkspaceError, match="not a compare result"):
        load_compare(tmp_path, str(bad))
