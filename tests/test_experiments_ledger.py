"""Recording experiments: results.tsv and HANDOFF.md together, refusals that write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codeflash_lab.errors import (
    DirtyIndexError,
    MethodologyError,
    NotAGitRepositoryError,
    ResultsFormatError,
    WorkspaceError,
)
from codeflash_lab.experiments.ledger import read_ledger, record_experiment, workspace_status
from codeflash_lab.workspace.handoff import read_section
from codeflash_lab.workspace.initialize import init_workspace
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.methodology import Methodology, load_methodology, lock_methodology
from tests.conftest import git


@pytest.fixture
def ws(git_repo: Path) -> Workspace:
    return init_workspace(git_repo).workspace


def rec(ws: Workspace, **over: Any) -> Any:
    kw: dict[str, Any] = dict(
        target_test="app:handler",
        pattern="sequential-awaits",
        description="gather the upstream calls",
        baseline_latency_ms=100.0,
        optimized_latency_ms=60.0,
        concurrency=10,
    )
    kw.update(over)
    return record_experiment(ws, **kw)


def snapshot(ws: Workspace) -> tuple[bytes, bytes]:
    return ws.results_tsv.read_bytes(), ws.handoff_md.read_bytes()


def test_a_keep_lands_in_the_log_and_the_handoff_at_once(ws: Workspace, git_repo: Path) -> None:
    result = rec(ws, baseline_throughput=10.0, optimized_throughput=16.0, tests_passed=5)
    assert result.number == 1
    assert result.experiment.status == "KEEP"
    assert result.decision.rule == "threshold"
    head = git(git_repo, "rev-parse", "--short=12", "HEAD").strip()
    (row,) = read_ledger(ws)
    assert row.commit == head
    assert row.latency_change == pytest.approx(-40.0)
    keeps = read_section(ws, "Keeps") or ""
    assert keeps.startswith(f"- #1 `{head}` sequential-awaits: gather the upstream calls")
    assert "(-40%)" in keeps
    assert read_section(ws, "Discards") == "_None yet._"
    assert "1 experiments: 1 kept" in (read_section(ws, "Rotation and plateau state") or "")
    assert result.lines == (
        "[experiment 1] Target: gather the upstream calls (sequential-awaits)",
        "[experiment 1] Latency: 100ms -> 60ms (40% faster). Throughput: 10 -> 16 req/s. KEEP",
        "[experiment 1] KEEP [threshold]: p50 latency 40% lower (at least 10%) — evidence: "
        "typed, not measured",
    )


def test_undecided_verdicts_are_refused_and_nothing_is_written(ws: Workspace) -> None:
    before = snapshot(ws)
    with pytest.raises(ValueError, match=r"NEEDS_CONFIRMATION.*--confirmed or --noise"):
        rec(ws, optimized_latency_ms=95.0)
    with pytest.raises(ValueError, match=r"TRADEOFF.*--status KEEP"):
        rec(ws, baseline_throughput=10.0, optimized_throughput=8.0)
    with pytest.raises(ValueError, match="no latency or throughput numbers"):
        rec(ws, baseline_latency_ms=None, optimized_latency_ms=None)
    with pytest.raises(ValueError, match="pattern: unknown category"):
        rec(ws, pattern="faster")
    assert snapshot(ws) == before


def test_a_person_can_decide_and_the_disagreement_is_shown(ws: Workspace) -> None:
    r = rec(ws, optimized_latency_ms=120.0, status="keep")
    assert r.experiment.status == "KEEP"
    assert "[experiment 1] note: the rules said DISCARD" in r.lines[-1]
    r2 = rec(ws, baseline_latency_ms=None, optimized_latency_ms=None, status="DISCARD")
    assert r2.decision is None


def test_percent_only_rows(ws: Workspace) -> None:
    r = rec(
        ws,
        baseline_latency_ms=None,
        optimized_latency_ms=None,
        latency_change=-4.0,
        confirmed=False,
    )
    assert r.experiment.status == "DISCARD"
    assert r.decision.rule == "noise"
    assert "\t-4%\t" in ws.results_tsv.read_text()


def test_blocking_call_removed_is_kept(ws: Workspace) -> None:
    r = rec(ws, pattern="blocking-call", optimized_latency_ms=101.0, blocking_removed=True)
    assert r.experiment.status == "KEEP"
    assert r.decision.rule == "blocking-removed"


def test_concurrency_change_is_refused_unless_new_baseline(ws: Workspace) -> None:
    rec(ws)
    before = snapshot(ws)
    with pytest.raises(MethodologyError, match=r"concurrency 50 differs .* concurrency 10"):
        rec(ws, concurrency=50)
    assert snapshot(ws) == before
    r = rec(ws, concurrency=50, new_baseline=True)
    assert "concurrency 10 -> 50" in (r.methodology_note or "")
    assert "concurrency 10 -> 50" in (read_section(ws, "Locked methodology") or "")
    rec(ws, concurrency=50)  # the new baseline's setting is now the reference


def test_concurrency_is_checked_against_the_methodology_lock(ws: Workspace) -> None:
    lock_methodology(ws, Methodology(target="app:handler", concurrency=20, ops=1000))
    with pytest.raises(MethodologyError, match="locked methodology"):
        rec(ws, concurrency=10)
    rec(ws, concurrency=10, new_baseline=True)
    locked = load_methodology(ws)
    assert locked is not None
    assert locked.concurrency == 10
    assert locked.ops == 1000


def test_status_follows_the_rules(ws: Workspace) -> None:
    rec(ws)
    for i in range(3):
        rec(ws, optimized_latency_ms=104.0, description=f"attempt {i}")
    s = workspace_status(ws)
    assert (s.consecutive_discards, s.rotate, s.next_strategy) == (3, True, "blocking-call removal")
    last = rec(ws, pattern="blocking-call", optimized_latency_ms=104.0)
    assert last.lines[-1] == (
        "[plateau] 4 consecutive discards. Check whether the remaining targets are irreducible."
    )
    assert last.status.irreducible
    assert not last.status.rotate
    assert "#5" in (read_section(ws, "Discards") or "")


def test_keep_with_files_commits_and_tags(ws: Workspace, git_repo: Path) -> None:
    for i in range(3):
        (git_repo / "app.py").write_text(f"VERSION = {i}\n")
        r = rec(ws, description=f"change {i}", files=["app.py"])
        assert r.commit is not None
        assert r.experiment.commit == r.commit[:12]
    assert r.tag == "codeflash/optimize-v1"
    assert "[milestone] tagged codeflash/optimize-v1" in r.lines
    assert git(git_repo, "log", "-1", "--format=%s").strip() == "async: change 2"
    # a discard is never committed
    (git_repo / "app.py").write_text("VERSION = 99\n")
    d = rec(ws, optimized_latency_ms=130.0, files=["app.py"])
    assert d.commit is None


def test_dirty_index_refuses_the_keep_and_records_nothing(ws: Workspace, git_repo: Path) -> None:
    (git_repo / "app.py").write_text("x = 1\n")
    (git_repo / "other.py").write_text("y = 1\n")
    git(git_repo, "add", "other.py")
    before = snapshot(ws)
    with pytest.raises(DirtyIndexError):
        rec(ws, files=["app.py"])
    assert snapshot(ws) == before


def test_bad_logs_are_named_and_left_alone(ws: Workspace) -> None:
    rec(ws)
    text = ws.results_tsv.read_text()
    ws.results_tsv.write_text(text[:-40])  # truncated mid-row, no line ending
    before = snapshot(ws)
    with pytest.raises(
        ResultsFormatError, match=r"results\.tsv:2 \(column 'description'\).*truncated"
    ):
        rec(ws)
    ws.results_tsv.write_text(text[:-1])  # a complete row without its line ending
    before = snapshot(ws)
    with pytest.raises(ResultsFormatError, match="no line ending"):
        rec(ws)
    assert snapshot(ws) == before
    ws.results_tsv.write_text(text.replace("-40%", "forty"))
    with pytest.raises(ResultsFormatError, match="column 'latency_change'"):
        workspace_status(ws)


def test_missing_workspace_and_non_git_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="run 'codeflash-lab init"):
        rec(Workspace(tmp_path))
    plain = init_workspace(tmp_path).workspace
    with pytest.raises(NotAGitRepositoryError, match="pass --commit"):
        rec(plain)
    assert rec(plain, commit="manual").experiment.commit == "manual"


def test_lessons_go_to_learnings_and_init_counts_them(ws: Workspace, git_repo: Path) -> None:
    rec(ws, lesson="gathering the upstream calls halves p50")
    rec(ws, optimized_latency_ms=130.0, lesson="a bigger pool changed nothing")
    text = ws.learnings_md.read_text()
    assert "[worked] gathering the upstream calls halves p50" in text
    assert "[failed] a bigger pool changed nothing" in text
    assert (read_section(ws, "Baseline") or "").startswith("- app:handler, concurrency 10")
    again = init_workspace(git_repo)
    assert again.lessons == 2
    assert "learnings.md holds 2 lesson(s)" in again.to_text()


def test_record_result_renders(ws: Workspace) -> None:
    r = rec(ws)
    assert r.to_frame().loc[1, "status"] == "KEEP"
    assert "[experiment 1] Target" in r._repr_html_()
    assert r.to_dict()["decision"]["verdict"] == "KEEP"
    assert str(r) == r.to_text()
