"""compare: a run that fails after others finished never throws the finished ones away.

Each finished run is saved as it ends (``runs/`` kind ``run``); the failure is reported
beside the finished rounds (result, saved compare file, CLI text and exit code 2).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _dying_target import QUICK, by_index, exit_in_process, target_project
from _stopping_server import StoppingServer

from codeflash_lab.bench import compare
from codeflash_lab.bench.session import RunFailed
from codeflash_lab.workspace import load_runs


def _project(tmp_path: Path, die_at: int) -> Path:
    """A project whose targets ``a`` and ``b`` exit in the ``die_at``-th process."""
    source = exit_in_process(die_at, name="_op") + "\n\na = b = _op\n"
    return target_project(tmp_path, source)


def _compare(project: Path, **options: object):  # type: ignore[no-untyped-def]
    return compare(
        "target.py:a", "target.py:b", config=QUICK, preset="quick", budget_s=60,
        isolation="process", project=project, progress=False, **options,
    )  # fmt: skip


@pytest.mark.slow
def test_cli_a_target_that_exits_in_run_3_keeps_and_shows_the_first_round(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path, die_at=3)
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "compare", "target.py:a", "target.py:b",
         "--preset", "quick", "--budget", "60", "--min-run", "0.15", "--warmup", "0.02",
         "--project", str(project)],
        capture_output=True, text=True, cwd=project, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "A = target.py:a" in proc.stdout
    assert "B = target.py:b" in proc.stdout
    assert "stopped: run 3 of the compare (B, round 2) failed" in proc.stdout
    assert "the 2 finished runs are kept" in proc.stderr
    assert f"saved in {project / '.codeflash' / 'runs'}" in proc.stderr
    assert "Traceback" not in proc.stderr
    saved = load_runs(project, "run")
    assert [(doc["index"], doc["arm"]) for doc in by_index(saved)] == [(0, "A"), (1, "B")]
    assert all(doc["run"]["ok_ops"] > 0 for doc in saved)
    (whole,) = load_runs(project, "compare")
    assert "run 3 of the compare (B, round 2) failed" in whole["failure"]
    assert len(whole["a"]["runs"]) == len(whole["b"]["runs"]) == 1
    assert whole["verdict"] == "INCONCLUSIVE"


@pytest.mark.slow
def test_a_target_that_exits_in_run_4_keeps_the_three_finished_runs(tmp_path: Path) -> None:
    project = _project(tmp_path, die_at=4)
    result = _compare(project)
    assert result.failure is not None
    assert "run 4 of the compare (A, round 2) failed" in result.failure
    assert "the 3 finished runs are kept" in result.failure
    assert len(result.a_runs) == len(result.b_runs) == 1  # the complete round decides
    assert [r.arm for r in result.left_out] == ["B"]  # saved, not part of the verdict
    taken = (*result.a_runs, *result.b_runs, *result.left_out)
    assert sorted(r.index for r in taken) == [0, 1, 2]  # numbered in the compare's order
    assert result.verdict == "INCONCLUSIVE"
    assert "stopped: run 4" in result.format_text()
    saved = load_runs(project, "run")
    assert [(doc["index"], doc["arm"]) for doc in by_index(saved)] == [
        (0, "A"),
        (1, "B"),
        (2, "B"),
    ]
    assert len({doc["series"] for doc in saved}) == 1
    (whole,) = load_runs(project, "compare")
    assert whole["failure"] == result.failure
    assert [r["arm"] for r in whole["left_out"]] == ["B"]
    assert result.saved_to == whole["_path"]


@pytest.mark.slow
def test_a_target_that_exits_in_run_2_raises_with_run_1_kept_and_saved(tmp_path: Path) -> None:
    project = _project(tmp_path, die_at=2)
    with pytest.raises(RunFailed, match=r"run 2 of the compare \(B, round 1\) failed") as info:
        _compare(project)
    assert [r.arm for r in info.value.runs] == ["A"]
    saved = load_runs(project, "run")
    assert [(doc["index"], doc["arm"]) for doc in by_index(saved)] == [(0, "A")]
    assert info.value.saved == [saved[0]["_path"]]
    assert load_runs(project, "compare") == []  # no complete round, no verdict to save


def test_a_server_that_stops_between_runs_keeps_the_finished_round(tmp_path: Path) -> None:
    (tmp_path / ".codeflash").mkdir()
    # Each run opens two connections (the reachability check and one worker's): A and B
    # of round 1 are served, then nothing listens.
    with StoppingServer(accept=4) as srv:
        result = compare(
            srv.url + "/a", srv.url + "/b", config=QUICK, preset="quick", budget_s=60,
            isolation="loop", project=tmp_path, progress=False,
        )  # fmt: skip
        served = dict(srv.paths)
    assert result.failure is not None
    assert "run 3 of the compare (B, round 2) failed" in result.failure
    assert "connection refused" in result.failure
    assert [r.ok_ops > 0 for r in (*result.a_runs, *result.b_runs)] == [True, True]
    assert served["/a"] >= result.a_runs[0].ok_ops
    assert served["/b"] >= result.b_runs[0].ok_ops
    assert [doc["arm"] for doc in by_index(load_runs(tmp_path, "run"))] == ["A", "B"]
    (whole,) = load_runs(tmp_path, "compare")
    assert whole["failure"] == result.failure


def test_without_a_workspace_nothing_is_written(tmp_path: Path) -> None:
    with StoppingServer(accept=4) as srv:
        result = compare(
            srv.url + "/a", srv.url + "/b", config=QUICK, preset="quick", budget_s=60,
            isolation="loop", project=tmp_path, progress=False,
        )  # fmt: skip
    assert result.failure is not None
    assert result.saved_to is None
    assert list(tmp_path.iterdir()) == []
