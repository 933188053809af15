"""The per-experiment record: journal entry while recording, sidecar after, one shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict
from codeflash_lab.workspace.experiment_record import (
    ExperimentRecord,
    GuardRun,
    experiment_id,
    experiments_dir,
    find_record,
    finish_record,
    pending_records,
    write_pending,
)
from codeflash_lab.workspace.layout import Workspace


def _ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    return ws


def _record(**over: object) -> ExperimentRecord:
    numbers = {"baseline_latency_ms": 120.0, "optimized_latency_ms": 41.0}
    rid = experiment_id(
        target="app:h", numbers=numbers, description="d", files=["a.py"], head="abc"
    )
    base = {
        "id": rid,
        "target": "app:h",
        "pattern": "blocking-call",
        "description": "d",
        "ruling": Ruling(
            Verdict.KEEP, Rule.THRESHOLD, "p50 66% lower", Evidence(Source.MEASURED, "runs/c.json")
        ),
        "status": "KEEP",
        "numbers": numbers,
        "files": ("a.py",),
        "head_before": "abc",
        "guard": GuardRun(
            "python -m pytest -q", True, passed=3, duration_s=1.25, source="junit-xml"
        ),
    }
    base.update(over)
    return ExperimentRecord(**base)  # type: ignore[arg-type]


def test_the_id_depends_on_what_makes_the_experiment_and_nothing_else() -> None:
    a = experiment_id(
        target="t", numbers={"x": 1, "y": 2}, description="d", files=["b", "a"], head="h"
    )
    b = experiment_id(
        target="t", numbers={"y": 2, "x": 1}, description="d", files=["a", "b"], head="h"
    )
    c = experiment_id(
        target="t", numbers={"x": 1, "y": 2}, description="d", files=["a", "b"], head="g"
    )
    assert a == b != c
    assert len(a) == 16


def test_a_record_is_pending_until_finished_then_a_sidecar(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    rec = _record()
    write_pending(ws, rec.step(commit="deadbeef"))
    [left] = pending_records(ws)
    assert left.state == "pending"
    assert left.steps == {"commit": "deadbeef"}
    assert find_record(ws, rec.id) == left
    path = finish_record(ws, left.step(row=4, handoff=True))
    assert path.parent == experiments_dir(ws)
    assert pending_records(ws) == []
    done = find_record(ws, rec.id)
    assert done is not None
    assert done.state == "done"
    assert done.steps == {"commit": "deadbeef", "row": 4, "handoff": True}
    assert done.ruling == rec.ruling
    assert done.guard == rec.guard
    assert done.guard is not None
    assert "3 passed, 0 failed" in done.guard.summary()


def test_unknown_fields_survive_and_a_bad_file_is_named(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    rec = _record(extra={"compare": {"rounds": 6}})
    finish_record(ws, rec)
    assert find_record(ws, rec.id).extra == {"compare": {"rounds": 6}}  # type: ignore[union-attr]
    bad = ws.root / "pending" / "0123.json"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text('{\n  "id": ', encoding="utf-8")
    with pytest.raises(WorkspaceError, match=r"pending/0123\.json:2"):
        pending_records(ws)


def test_a_guard_that_did_not_run_says_why_and_is_not_ok() -> None:
    g = GuardRun("npm test", False, source="no junit report written")
    assert not g.ok
    assert g.summary() == "tests not run: no junit report written (npm test)"
    with pytest.raises(ValueError, match="state"):
        _record(state="half")
