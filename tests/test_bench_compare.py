"""A/B compare with real callables, and compare across git revisions in worktrees."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conftest import git

from codeflash_lab.bench import BenchConfig, compare, compare_revisions
from codeflash_lab.bench.revisions import UncommittedEditsWarning
from codeflash_lab.errors import MeasurementError, TargetError

QUICK = BenchConfig(concurrency=2, min_run_s=0.15, warmup_s=0.02)


# Sleep-dominated targets with effects of 3x or more: the verdicts hold on a busy machine.
async def slow_op() -> None:
    await asyncio.sleep(0.02)


async def fast_op() -> None:
    await asyncio.sleep(0.002)


FAILS = {"n": 0}


async def failing_fast_op() -> None:
    FAILS["n"] += 1
    await asyncio.sleep(0.002)
    if FAILS["n"] % 2:
        raise RuntimeError("half of the calls fail")


@pytest.mark.slow
def test_real_improvement_is_kept_under_the_threshold_rule() -> None:
    result = compare(slow_op, fast_op, config=QUICK, progress=False)
    assert (result.verdict, result.rule) == ("KEEP", "threshold"), result.reason
    assert result.confirmed is True
    assert result.order[:8] == ("A", "B", "B", "A", "A", "B", "B", "A")[: len(result.order)]
    doc = result.to_dict()
    assert doc["ruling"]["verdict"] == "KEEP"
    assert doc["ruling"]["rule"] == "threshold"
    assert doc["ruling"]["evidence"]["facts"]["budget_s"] == 60.0
    lows = [c["gain_ci"]["low_pct"] for c in doc["criteria"].values() if not c["low_confidence"]]
    assert max(lows) >= 10
    assert doc["criteria"]["throughput"]["change_pct"] > 20
    assert doc["a"]["label"] == "A"
    assert isinstance(doc["warnings"], list)
    assert len(doc["a"]["runs"]) == len(doc["b"]["runs"]) >= 3
    text = result.format_text()
    assert text.startswith("KEEP [threshold]:")
    assert "per-round B/A ratio min-max" in text
    assert "<table>" in result._repr_html_()
    assert list(result.to_frame()["criterion"]) == ["p50", "p99", "throughput"]


def test_same_code_is_never_kept_nor_called_a_regression() -> None:
    result = compare(slow_op, slow_op, config=QUICK, progress=False, budget_s=8)
    assert result.verdict in ("DISCARD", "INCONCLUSIVE"), result.reason
    assert result.rule in ("noise", "unproven")
    assert not result.regression
    if result.rule == "unproven":
        assert "could not separate it from noise in 8 s" in result.reason


@pytest.mark.slow
def test_regression_is_flagged() -> None:
    result = compare(fast_op, slow_op, config=QUICK, progress=False)
    assert (result.verdict, result.rule) == ("DISCARD", "regression"), result.reason
    assert result.regression
    assert result.confirmed is False


@pytest.mark.slow
def test_more_failures_beat_a_faster_candidate() -> None:
    result = compare(slow_op, failing_fast_op, config=QUICK, progress=False)
    assert (result.verdict, result.rule) == ("DISCARD", "errors"), result.reason
    assert "failed ops" in result.format_text()


def test_a_budget_too_small_for_the_first_look_is_refused_by_name() -> None:
    with pytest.raises(MeasurementError, match="cannot hold the 4 rounds"):
        compare(slow_op, fast_op, config=QUICK, progress=False, budget_s=0.5)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="runs"):
        compare(slow_op, fast_op, runs=1)
    with pytest.raises(ValueError, match="budget_s"):
        compare(slow_op, fast_op, budget_s=0)
    with pytest.raises(ValueError, match="preset"):
        compare(slow_op, fast_op, preset="tiny")
    with pytest.raises(TargetError, match="--base/--head needs a callable"):
        compare_revisions("http://127.0.0.1:9/", base="HEAD", head="HEAD")


@pytest.mark.slow
def test_revisions_are_measured_in_worktrees_and_the_tree_is_untouched(git_repo: Path) -> None:
    work = git_repo / "work_rev.py"
    work.write_text("import asyncio\nasync def op():\n    await asyncio.sleep(0.02)\n")
    git(git_repo, "add", "work_rev.py")
    git(git_repo, "commit", "-q", "-m", "slow")
    work.write_text("import asyncio\nasync def op():\n    await asyncio.sleep(0.002)\n")
    git(git_repo, "commit", "-q", "-am", "fast")
    work.write_text("# uncommitted edit\n")  # must not be measured or touched
    with pytest.warns(UncommittedEditsWarning, match=r"NOT measured \(work_rev.py\)"):
        result = compare_revisions(
            "work_rev.py:op", base="HEAD~1", head="HEAD", repo=git_repo, config=QUICK,
            progress=False,
        )  # fmt: skip
    assert result.verdict == "KEEP", result.reason
    assert result.labels == ("HEAD~1", "HEAD")
    assert result.git["base"] != result.git["head"]
    assert work.read_text() == "# uncommitted edit\n"
    assert git(git_repo, "worktree", "list").count("\n") == 1


def test_revision_target_that_resolves_outside_the_checkout_is_refused(git_repo: Path) -> None:
    # "asyncio.tasks:sleep" resolves to the standard library, not to either checkout
    with pytest.raises(TargetError, match="outside the checkout"):
        compare_revisions(
            "asyncio.tasks:sleep", base="HEAD", head="HEAD", repo=git_repo, config=QUICK,
            progress=False,
        )  # fmt: skip


@pytest.mark.slow
def test_the_budget_is_not_part_of_the_lock_and_the_saved_file_carries_the_ruling(
    tmp_path: Path,
) -> None:
    (tmp_path / ".codeflash").mkdir()
    (tmp_path / "work_cmp.py").write_text(
        "import asyncio\n"
        "async def slow():\n    await asyncio.sleep(0.02)\n"
        "async def fast():\n    await asyncio.sleep(0.002)\n"
    )
    first = compare("work_cmp.py:slow", "work_cmp.py:fast", config=QUICK, project=tmp_path,
                    isolation="loop", progress=False, budget_s=30)  # fmt: skip
    second = compare("work_cmp.py:slow", "work_cmp.py:fast", config=QUICK, project=tmp_path,
                     isolation="loop", progress=False, budget_s=45)  # fmt: skip
    assert first.methodology_id == second.methodology_id is not None
    assert second.saved_to is not None
    assert second.ruling.evidence.ref == second.saved_to
    saved = json.loads(Path(second.saved_to).read_text())
    assert saved["ruling"]["rule"] == second.rule
    assert saved["ruling"]["evidence"]["facts"]["budget_s"] == 45
    assert saved["sequential"]["budget_s"] == 45
