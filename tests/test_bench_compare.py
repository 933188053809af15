"""A/B compare with real callables, and compare across git revisions in worktrees."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import git

from codeflash_lab.bench import BenchConfig, compare, compare_revisions
from codeflash_lab.errors import TargetError

QUICK = BenchConfig(concurrency=2, min_run_s=0.15, warmup_s=0.02)


# A tenfold difference: the throughput criterion separates the arms even when a busy
# machine makes per-run latency noisy (the noise gate then accepts a full separation).
async def slow_op() -> None:
    await asyncio.sleep(0.02)


async def fast_op() -> None:
    await asyncio.sleep(0.002)


@pytest.mark.slow
def test_real_improvement_is_kept_with_interleaved_rounds() -> None:
    result = compare(slow_op, fast_op, config=QUICK, progress=False)
    assert result.verdict == "KEEP", result.reason
    assert result.confirmed is True
    assert result.order[:2] == ("A", "B")
    assert result.order[2:8] == ("B", "A", "A", "B", "B", "A")
    doc = result.to_dict()
    assert doc["criteria"]["p50"]["change_pct"] < -20
    assert doc["criteria"]["throughput"]["change_pct"] > 20
    for key in ("ratio", "min_ratio", "max_ratio", "mwu_p", "mwu_p_min", "ci", "better"):
        assert key in doc["criteria"]["p50"]
    assert doc["a"]["label"] == "A"
    assert isinstance(doc["warnings"], list)
    assert len(doc["a"]["runs"]) == 4
    assert "KEEP" in result.format_text()
    assert "<table>" in result._repr_html_()
    assert list(result.to_frame()["criterion"]) == ["p50", "p99", "throughput"]


def test_same_code_is_screened_out_or_discarded() -> None:
    result = compare(slow_op, slow_op, config=QUICK, progress=False)
    assert result.verdict in ("DISCARD", "INCONCLUSIVE"), result.reason
    assert result.verdict != "KEEP"
    assert result.confirmed is not True


@pytest.mark.slow
def test_regression_is_flagged() -> None:
    result = compare(fast_op, slow_op, config=QUICK, progress=False)
    assert result.regression
    assert result.verdict == "DISCARD"
    assert result.confirmed is False


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="runs"):
        compare(slow_op, fast_op, runs=1)
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
