"""The one experiment flow on a project that is not the demo: keep, discard, broken tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flow_project import FAST_SERVICE, SERVICE, TARGET, git, make_project

from codeflash_lab.bench import BenchConfig
from codeflash_lab.errors import GitError, WorkspaceError
from codeflash_lab.experiments import flow
from codeflash_lab.verdicts import Rule, Verdict
from codeflash_lab.workspace.experiment_record import experiments_dir
from codeflash_lab.workspace.initialize import init_workspace
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import read_results

SERVICE_PY = "src/tinysvc/service.py"
QUICK = {
    "config": BenchConfig(concurrency=2, min_run_s=0.15, warmup_s=0.02),
    "preset": "quick",  # 25 s at most: a clear win is decided at the first look
}
#: A no-op change: its compare stops at this budget, INCONCLUSIVE (a DISCARD, never "noise").
NOOP = {**QUICK, "budget_s": 8.0}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "tinysvc")
    init_workspace(root)
    return root


@pytest.mark.slow
def test_keep_commits_only_the_change_and_discard_reverts_with_a_patch(project: Path) -> None:
    keep = flow.run_experiment(
        project,
        target=TARGET,
        pattern="blocking-call",
        description="drop the blocking sleep from handle",
        change={SERVICE_PY: FAST_SERVICE},
        compare_options=QUICK,
    )
    assert keep.status == "KEEP", keep.to_text()
    assert keep.ruling.rule in (Rule.THRESHOLD, Rule.CONFIRMED)
    assert keep.commit is not None
    assert git(project, "show", "--name-only", "--format=%s", "HEAD").split() == [
        "async:", "drop", "the", "blocking", "sleep", "from", "handle", SERVICE_PY
    ]  # fmt: skip
    assert keep.lines[0].startswith("[guard] tests: 2 passed, 0 failed")
    head_after_keep = git(project, "rev-parse", "HEAD")

    noop = flow.run_experiment(
        project,
        target=TARGET,
        pattern="blocking-call",
        description="reword the handler docstring",
        change={SERVICE_PY: FAST_SERVICE.replace("one request.", "one request (unchanged).")},
        compare_options=NOOP,
    )
    assert noop.status == "DISCARD", noop.to_text()
    assert noop.ruling.verdict in (Verdict.DISCARD, Verdict.INCONCLUSIVE)
    assert noop.commit is None
    assert git(project, "rev-parse", "HEAD") == head_after_keep
    assert (project / SERVICE_PY).read_text() == FAST_SERVICE
    assert noop.patch == project / ".codeflash" / "runs" / "discard-2.patch"
    assert "git apply .codeflash/runs/discard-2.patch" in noop.to_text()
    git(project, "apply", ".codeflash/runs/discard-2.patch")
    assert "(unchanged)" in (project / SERVICE_PY).read_text()

    rows = read_results(project / ".codeflash" / "results.tsv").rows
    assert [(r.status, r.tests_passed, r.tests_failed) for r in rows] == [
        ("KEEP", 2, 0),
        ("DISCARD", 2, 0),
    ]
    sidecars = [
        json.loads(p.read_text()) for p in experiments_dir(Workspace(project)).glob("*.json")
    ]
    by_status = {doc["status"]: doc for doc in sidecars}
    assert sorted(by_status) == ["DISCARD", "KEEP"]
    assert by_status["DISCARD"]["steps"]["patch"] == ".codeflash/runs/discard-2.patch"
    assert by_status["DISCARD"]["steps"]["reverted"] is True
    assert by_status["KEEP"]["guard"]["passed"] == 2
    assert by_status["KEEP"]["ruling"]["rule"] in ("threshold", "confirmed")
    assert flow.current(project) is None


@pytest.mark.slow
def test_failing_tests_beat_the_compare_and_nothing_is_measured(project: Path) -> None:
    broken = FAST_SERVICE.replace("return 1", "return 2")
    out = flow.run_experiment(
        project,
        target=TARGET,
        pattern="blocking-call",
        description="drop the sleep but break the answer",
        change={SERVICE_PY: broken},
        compare_options=QUICK,
    )
    assert out.status == "DISCARD"
    assert out.ruling.rule is Rule.TESTS_FAILED
    assert "1 test(s) failed" in out.ruling.reason
    assert not list((project / ".codeflash" / "runs").glob("*compare*.json"))
    assert (project / SERVICE_PY).read_text() == SERVICE
    assert out.patch is not None


@pytest.mark.slow
def test_a_syntax_error_is_discarded_naming_file_and_line(project: Path) -> None:
    s = flow.start(project, target=TARGET, pattern="blocking-call", description="typo")
    flow.apply_change(s, {SERVICE_PY: SERVICE.replace("return 1", "return (1")})
    run = flow.guard(s)
    assert not run.ran
    assert f"{SERVICE_PY}:11" in run.source
    ruling = flow.decide(s)
    assert ruling.rule is Rule.TESTS_FAILED
    assert "does not parse" in ruling.reason
    out = flow.record(s, ruling)
    assert out.status == "DISCARD"
    assert (project / SERVICE_PY).read_text() == SERVICE


def test_start_needs_a_clean_tree_and_one_open_experiment(project: Path) -> None:
    (project / SERVICE_PY).write_text(FAST_SERVICE)
    with pytest.raises(GitError, match=r"uncommitted changes in src/tinysvc/service\.py"):
        flow.start(project, target=TARGET, pattern="blocking-call", description="x")
    (project / SERVICE_PY).write_text(SERVICE)
    s = flow.start(project, target=TARGET, pattern="blocking-call", description="x")
    assert (project / ".codeflash" / "experiment.json").is_file()
    assert flow.current(project) == s
    with pytest.raises(WorkspaceError, match="already open"):
        flow.start(project, target=TARGET, pattern="blocking-call", description="y")
    assert flow.changed_files(s) == []
    (project / "src" / "tinysvc" / "extra.py").write_text("X = 1\n")
    (project / SERVICE_PY).write_text(FAST_SERVICE)
    assert flow.changed_files(s) == ["src/tinysvc/extra.py", SERVICE_PY]
    patch = flow.abandon(s)
    assert patch == project / ".codeflash" / "runs" / "abandoned-1.patch"
    assert (project / SERVICE_PY).read_text() == SERVICE
    assert not (project / "src" / "tinysvc" / "extra.py").exists()
    assert flow.current(project) is None
    git(project, "apply", ".codeflash/runs/abandoned-1.patch")
    assert (project / SERVICE_PY).read_text() == FAST_SERVICE
    assert (project / "src" / "tinysvc" / "extra.py").read_text() == "X = 1\n"


def test_a_person_status_is_asserted_and_a_tradeoff_is_not_recorded(project: Path) -> None:
    s = flow.start(project, target=TARGET, pattern="blocking-call", description="by hand")
    flow.apply_change(s, {SERVICE_PY: FAST_SERVICE})
    ruling = flow.decide(s, status="keep")
    assert ruling.rule is Rule.PERSON
    assert ruling.evidence.label() == "asserted by a person, not measured"
    with pytest.raises(ValueError, match="nothing to decide from"):
        flow.decide(s)
    out = flow.record(s, ruling)
    assert out.status == "KEEP"
    assert git(project, "status", "--porcelain", "--untracked-files=no") == ""


def _saved_compare(project: Path, git_info: dict[str, str]) -> str:
    from codeflash_lab.workspace.runs import save_run

    side = {"latency_ms": {"p50": 20.0}, "throughput_ops_s": 100.0}
    fast = {"latency_ms": {"p50": 1.0}, "throughput_ops_s": 2000.0}
    doc = {"target": TARGET, "concurrency": 2, "verdict": "KEEP", "a": side, "b": fast}
    return str(save_run(project, "compare", {**doc, "git": git_info}))


def test_a_stale_guard_or_compare_is_not_decided_on(project: Path) -> None:
    s = flow.start(project, target=TARGET, pattern="blocking-call", description="drop it")
    flow.apply_change(s, {SERVICE_PY: FAST_SERVICE})
    assert flow.guard(s).ok
    (project / SERVICE_PY).write_text(FAST_SERVICE + "\n# one more edit\n")
    with pytest.raises(ValueError, match="changed after the guard ran"):
        flow.decide(s)
    flow.guard(s)
    head = git(project, "rev-parse", "HEAD").strip()
    committed = _saved_compare(project, {"base": head, "head": head, "base_rev": "HEAD",
                                         "head_rev": "HEAD"})  # fmt: skip
    flow.use_compare(s, committed)
    with pytest.raises(ValueError, match=r"measured HEAD, not the uncommitted change in src/"):
        flow.decide(s)
    snapshot = git(project, "stash", "create").strip()
    fresh = _saved_compare(project, {"base": head, "head": snapshot, "base_rev": head,
                                     "head_rev": "WORKTREE"})  # fmt: skip
    flow.use_compare(s, fresh)
    assert flow.decide(s).verdict is Verdict.KEEP
    (project / SERVICE_PY).write_text(FAST_SERVICE)
    flow.guard(s)
    with pytest.raises(ValueError, match="changed after the saved compare measured it"):
        flow.decide(s)
    assert flow.decide(s, status="DISCARD").rule is Rule.PERSON
