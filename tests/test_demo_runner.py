"""The quick guided demo, end to end: real servers, a real repository, real measurements."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psutil
import pytest

from codeflash_lab.demo import DEMO_QUICK, DemoResult, exercise, run_demo
from codeflash_lab.workspace import Workspace, load_runs, read_results


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def _children() -> set[int]:
    return {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)}


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, list[str], set[int]]:
    """One quick demo run, shared by the tests below (it takes a minute or two)."""
    before = _children()
    lines: list[str] = []
    result = run_demo(
        tmp_path_factory.mktemp("demo") / "demo-workspace", quick=True, say=lines.append
    )
    return result, lines, before


@pytest.mark.slow
def test_the_quick_demo_runs_the_whole_workflow(
    quick_demo: tuple[DemoResult, list[str], set[int]],
) -> None:
    result, lines, before = quick_demo
    assert isinstance(result, DemoResult)
    assert _children() <= before, "a server outlived the demo"

    # The workflow's progress lines, in order.
    prefixes = ["[demo]", "[discovery]", "[baseline] Guard", "[baseline] Static scan"]
    prefixes += ["[baseline] Methodology locked", "[experiment 1] Target", "[review]", "[report]"]
    positions = [next(i for i, ln in enumerate(lines) if ln.startswith(p)) for p in prefixes]
    assert positions == sorted(positions)
    assert list(result.lines) == lines

    # The failing guard was fixed on main before any measurement.
    project = result.project
    assert _git(project, "log", "-1", "--format=%s", "main").startswith("fix: ")

    # One experiment per planned fix, each decided KEEP or DISCARD by the rules.
    assert DEMO_QUICK.exercises is not None
    assert sorted(e.name for e in result.experiments) == sorted(DEMO_QUICK.exercises)
    rows = read_results(Workspace(project).results_tsv).rows
    assert [r.status for r in rows] == [e.status for e in result.experiments]
    for row, outcome in zip(rows, result.experiments, strict=True):
        assert outcome.compare_verdict in ("KEEP", "DISCARD", "INCONCLUSIVE", "TRADEOFF")
        assert outcome.reason
        assert row.baseline_latency_ms is not None
        assert row.optimized_latency_ms is not None
        assert row.concurrency == DEMO_QUICK.concurrency
        assert row.tests_failed == 0

    # Keeps are commits on the optimization branch (only their file); discards are not.
    subjects = _git(project, "log", "--format=%s", "main..codeflash/optimize").splitlines()
    kept = [e for e in result.experiments if e.status == "KEEP"]
    assert sorted(subjects) == sorted(f"async: {exercise(e.name).summary}" for e in kept)
    for e in kept:
        assert e.commit is not None
        changed = _git(project, "show", "--name-only", "--format=", e.commit).split()
        assert changed == [exercise(e.name).file]
    assert _git(project, "status", "--porcelain", "--untracked-files=no") == ""

    # Every measurement is saved; the review and the report exist.
    ws = Workspace(project)
    assert len(load_runs(ws, "compare")) >= len(result.experiments)
    assert len(load_runs(ws, "sweep")) == 2
    assert load_runs(ws, "scan")
    assert load_runs(ws, "review")
    assert result.report is not None
    page = result.report.read_text(encoding="utf-8")
    assert "shopfront" in page
    assert "<svg" in page
    assert "Pre-submit review findings" in ws.handoff_md.read_text(encoding="utf-8")
    assert result.to_dict()["report"] == str(result.report)
    assert "kept" in str(result)


@pytest.mark.slow
def test_every_demo_experiment_went_through_the_experiment_flow(
    quick_demo: tuple[DemoResult, list[str], set[int]],
) -> None:
    result, lines, _ = quick_demo
    project = result.project
    ws = Workspace(project)
    # The baseline guard runs the project's test command too, counted from junit XML.
    first = next(ln for ln in lines if ln.startswith("[baseline] Guard"))
    assert first.startswith("[baseline] Guard (tests: ")
    assert ", 1 failed," in first  # the planted correctness bug, fixed on main
    # The flow closed every experiment: none is left open, none pending.
    assert not (ws.root / "experiment.json").exists()
    assert not list((ws.root / "pending").glob("*.json"))
    sidecars = [
        json.loads(p.read_text(encoding="utf-8")) for p in (ws.root / "experiments").glob("*.json")
    ]
    by_row = {doc["steps"]["row"]: doc for doc in sidecars}
    rows = read_results(ws.results_tsv).rows
    assert sorted(by_row) == list(range(1, len(rows) + 1))
    for number, (row, outcome) in enumerate(zip(rows, result.experiments, strict=True), 1):
        doc = by_row[number]
        assert doc["state"] == "done"
        assert doc["status"] == row.status == outcome.status
        assert doc["pattern"] == outcome.pattern
        # The decision: its rule and evidence, as printed in the demo's reason.
        ruling = doc["ruling"]
        assert ruling["verdict"] in ("KEEP", "DISCARD", "INCONCLUSIVE")
        evidence = ruling["evidence"]
        if evidence["source"] == "measured":
            assert (project / evidence["ref"]).is_file()  # a saved compare or debug run
        else:
            assert evidence["source"] == "asserted"  # a tradeoff not taken headless
        assert f"[{ruling['rule']}]" in outcome.reason
        # The guard ran the project's test command, read from junit XML.
        guard = doc["guard"]
        assert guard["ran"] is True
        assert guard["command"] == "python -m pytest"
        assert guard["source"].startswith("junit-xml")
        assert guard["passed"] == row.tests_passed > 0
        assert guard["failed"] == row.tests_failed == 0
        assert any(
            ln.startswith(f"[experiment {number}] Guard (tests: {guard['passed']} passed")
            for ln in lines
        )
        if outcome.status == "KEEP":
            assert doc["steps"]["commit"].startswith(str(outcome.commit))
            assert doc["steps"]["reverted"] is False
        else:
            # A DISCARD was saved as a patch first, then reverted; the patch re-applies.
            patch = project / doc["steps"]["patch"]
            assert patch.name == f"discard-{number}.patch"
            assert doc["steps"]["reverted"] is True
            assert exercise(outcome.name).file in patch.read_text(encoding="utf-8")
            _git(project, "apply", "--check", str(patch))
            assert any(f"re-apply it with: git apply {doc['steps']['patch']}" in ln for ln in lines)
