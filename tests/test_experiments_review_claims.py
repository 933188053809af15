"""Claims: KEEP rows against saved runs, the methodology lock and the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import commit, compare_run, git, results_row, save, start_project

from codeflash_lab.experiments.review import review
from codeflash_lab.experiments.review.evidence import same_within_rounding
from codeflash_lab.workspace import Methodology, Workspace, lock_methodology

APP = "async def fetch():\n    return 1\n"
TARGET = "app:fetch"


def _claims(repo: Path) -> list:
    return sorted(
        review(repo, checks=["claims"], run_tests=False).findings, key=lambda f: f.message
    )


def _keep(repo: Path) -> str:
    start_project(repo, {"app.py": APP})
    return commit(repo, {"app.py": APP.replace("1", "2")}, "async: gather calls")


@pytest.mark.parametrize(
    ("claimed", "measured", "same"),
    [(310.0, 310.4, True), (310.0, 310.6, False), (12.35, 12.3461, True), (12.35, 12.34, False)],
)
def test_same_within_rounding(claimed: float, measured: float, same: bool) -> None:
    assert same_within_rounding(claimed, measured) is same


def test_keep_backed_by_a_compare_run_has_no_finding(git_repo: Path) -> None:
    sha = _keep(git_repo)
    save(git_repo, "compare", compare_run(TARGET, a_p50=850.2, b_p50=310.4, a_tp=58.8, b_tp=160.1))
    results_row(git_repo, sha, TARGET, before=850.2, after=310.4, tp_before=58.8, tp_after=160.1)
    assert _claims(git_repo) == []


def test_numbers_that_no_run_backs_are_an_error(git_repo: Path) -> None:
    sha = _keep(git_repo)
    save(git_repo, "compare", compare_run(TARGET, a_p50=850.2, b_p50=330.0, a_tp=58.8, b_tp=150.0))
    results_row(git_repo, sha, TARGET, before=850.2, after=310.4, tp_before=58.8, tp_after=160.1)
    (f,) = _claims(git_repo)
    assert (f.severity, f.path, f.line) == ("error", ".codeflash/results.tsv", 2)
    assert "optimized p50 ms: claimed 310.4, measured 330" in f.message
    assert "optimized throughput: claimed 160.1, measured 150" in f.message


def test_keep_without_any_saved_run_is_an_error(git_repo: Path) -> None:
    sha = _keep(git_repo)
    results_row(git_repo, sha, TARGET, before=850, after=310, tp_before=58, tp_after=160)
    (f,) = _claims(git_repo)
    assert f.severity == "error"
    assert "no saved compare or bench run" in f.message


def test_other_methodology_than_the_locked_one_is_an_error(git_repo: Path) -> None:
    sha = _keep(git_repo)
    locked, _ = lock_methodology(Workspace(git_repo), Methodology(target=TARGET, concurrency=50))
    save(
        git_repo,
        "compare",
        compare_run(TARGET, a_p50=850, b_p50=310, a_tp=58, b_tp=160, methodology_id="other"),
    )
    results_row(git_repo, sha, TARGET, before=850, after=310, tp_before=58, tp_after=160)
    (f,) = _claims(git_repo)
    assert f.severity == "error"
    assert f"the locked one is {locked.id}" in f.message


def test_a_keep_on_another_target_is_not_held_to_the_locked_id(git_repo: Path) -> None:
    sha = _keep(git_repo)
    lock_methodology(Workspace(git_repo), Methodology(target="app:other", concurrency=50))
    save(
        git_repo,
        "compare",
        compare_run(TARGET, a_p50=850, b_p50=310, a_tp=58, b_tp=160, methodology_id="its-own"),
    )
    results_row(git_repo, sha, TARGET, before=850, after=310, tp_before=58, tp_after=160)
    assert _claims(git_repo) == []


def test_keep_backed_by_two_bench_runs(git_repo: Path) -> None:
    sha = _keep(git_repo)
    for p50, tp in ((850.0, 58.0), (310.0, 160.0)):
        save(
            git_repo,
            "bench",
            {
                "target": TARGET,
                "concurrency": 50,
                "latency_ms": {"p50": p50, "p99": p50 * 2},
                "throughput_ops_s": tp,
                "runs": [{}] * 5,
                "methodology_id": "m1",
            },
        )
    results_row(git_repo, sha, TARGET, before=850, after=310, tp_before=58, tp_after=160)
    assert _claims(git_repo) == []


def test_saved_verdict_other_than_keep_is_listed_to_confirm(git_repo: Path) -> None:
    sha = _keep(git_repo)
    save(
        git_repo,
        "compare",
        compare_run(TARGET, a_p50=850, b_p50=310, a_tp=58, b_tp=160, verdict="INCONCLUSIVE"),
    )
    results_row(git_repo, sha, TARGET, before=850, after=310, tp_before=58, tp_after=160)
    (f,) = _claims(git_repo)
    assert f.severity == "info"
    assert "verdict was INCONCLUSIVE" in f.message


def test_commit_that_does_not_exist_is_an_error(git_repo: Path) -> None:
    _keep(git_repo)
    save(git_repo, "compare", compare_run(TARGET, a_p50=850, b_p50=310, a_tp=58, b_tp=160))
    gone = "0123456789abcdef0123456789abcdef01234567"
    results_row(git_repo, gone, TARGET, before=850, after=310, tp_before=58, tp_after=160)
    (f,) = _claims(git_repo)
    assert f.severity == "error"
    assert f"commit {gone} does not exist" in f.message


def test_commit_amended_after_recording_is_an_error(git_repo: Path) -> None:
    sha = _keep(git_repo)
    save(git_repo, "compare", compare_run(TARGET, a_p50=850, b_p50=310, a_tp=58, b_tp=160))
    results_row(git_repo, sha, TARGET, before=850, after=310, tp_before=58, tp_after=160)
    git(git_repo, "commit", "-q", "--amend", "-m", "async: gather calls (reworded)")
    (f,) = _claims(git_repo)
    assert f.severity == "error"
    assert "not in the history of the reviewed head" in f.message


def test_keep_recorded_over_a_discard_verdict_is_a_warning(git_repo: Path) -> None:
    sha = _keep(git_repo)
    save(
        git_repo,
        "compare",
        compare_run(TARGET, a_p50=310, b_p50=850, a_tp=160, b_tp=58, verdict="DISCARD"),
    )
    results_row(git_repo, sha, TARGET, before=310, after=850, tp_before=160, tp_after=58)
    (f,) = _claims(git_repo)
    assert f.severity == "warning"
    assert "verdict was DISCARD" in f.message


def test_a_confirmed_small_keep_agrees_with_the_review(git_repo: Path) -> None:
    # A 5 % gain the compare confirmed (rule `confirmed`): the ledger keeps it, and the
    # review finds the row backed by that compare, with no "verdict was ..." remark.
    from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict

    sha = _keep(git_repo)
    run = compare_run(TARGET, a_p50=100.0, b_p50=95.0, a_tp=500.0, b_tp=526.0)
    run["reason"] = "p50 better by at least the 3 % floor, confirmed by 12 interleaved rounds"
    run["ruling"] = Ruling(
        Verdict.KEEP,
        Rule.CONFIRMED,
        run["reason"],
        Evidence(Source.MEASURED, None, "p50 gain +5.0 % (CI +3.4 to +6.6 %) after 12 rounds"),
    ).to_dict()
    save(git_repo, "compare", run)
    results_row(git_repo, sha, TARGET, before=100.0, after=95.0, tp_before=500.0, tp_after=526.0)
    assert _claims(git_repo) == []
