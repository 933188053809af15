"""Builders for the review tests: a project on main, an optimization branch, commits, snapshots."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path
from typing import Any

OPT = "codeflash/optimize"


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return stdout (raises on failure)."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout


def write(repo: Path, files: dict[str, str]) -> None:
    """Write dedented ``files`` (path -> text) under ``repo``."""
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    """Write ``files``, commit exactly them, return the new SHA."""
    write(repo, files)
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def start_project(repo: Path, files: dict[str, str], *, setup: str | None = None) -> str:
    """Commit ``files`` on main, create ``.codeflash/`` (untracked) and the optimization branch.

    Returns:
        The SHA of the base commit on main.
    """
    base = commit(repo, files, "service code")
    (repo / ".codeflash" / "runs").mkdir(parents=True, exist_ok=True)
    (repo / ".codeflash" / "setup.md").write_text(
        setup if setup is not None else "# Setup\n\n- python: 3.11\n- runner: python\n",
        encoding="utf-8",
    )
    git(repo, "checkout", "-q", "-b", OPT)
    return base


def snapshot(repo: Path) -> dict[str, str]:
    """Refs, HEAD, worktrees and working-tree state, to prove nothing changed."""
    return {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "head": git(repo, "symbolic-ref", "-q", "HEAD"),
        "head_sha": git(repo, "rev-parse", "HEAD"),
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
    }


def compare_run(
    target: str,
    *,
    a_p50: float,
    b_p50: float,
    a_tp: float,
    b_tp: float,
    concurrency: int = 50,
    methodology_id: str = "m1",
    verdict: str = "KEEP",
) -> dict[str, Any]:
    """A ``compare`` payload shaped like ``CompareResult.to_dict()``."""

    def side(label: str, p50: float, tp: float) -> dict[str, Any]:
        return {
            "label": label,
            "latency_ms": {"p50": p50, "p90": p50 * 1.4, "p99": p50 * 2, "max": p50 * 3},
            "throughput_ops_s": tp,
            "runs": [{"p50": p50} for _ in range(10)],
        }

    return {
        "target": target,
        "mode": "closed",
        "concurrency": concurrency,
        "methodology_id": methodology_id,
        "verdict": verdict,
        "reason": "p50 and throughput better beyond noise",
        "a": side("A", a_p50, a_tp),
        "b": side("B", b_p50, b_tp),
        "criteria": {
            "p50": {"ratio": b_p50 / a_p50, "mwu_p": 0.0002, "ci": [0.3, 0.4], "better": True},
            "throughput": {"ratio": b_tp / a_tp, "mwu_p": 0.0003, "ci": None, "better": True},
        },
        "noise": {"cv_pct": {"p50": 4.2, "throughput": 3.1}, "runs_per_arm": [10, 10]},
    }


def save(repo: Path, kind: str, payload: dict[str, Any]) -> Path:
    """Save a run the way the bench layer does."""
    from codeflash_lab.workspace.runs import save_run

    return save_run(repo, kind, payload)


def results_row(
    repo: Path,
    commit_sha: str,
    target: str,
    *,
    before: float,
    after: float,
    tp_before: float,
    tp_after: float,
    concurrency: int = 50,
    status: str = "KEEP",
    pattern: str = "sequential-awaits",
    description: str = "gather independent calls",
) -> None:
    """Append one results.tsv row with the workspace layer's writer."""
    from codeflash_lab.workspace.results import Experiment, append_experiment

    append_experiment(
        repo / ".codeflash" / "results.tsv",
        Experiment.build(
            commit=commit_sha,
            target_test=target,
            baseline_latency_ms=before,
            optimized_latency_ms=after,
            baseline_throughput=tp_before,
            optimized_throughput=tp_after,
            concurrency=concurrency,
            status=status,
            pattern=pattern,
            description=description,
            tests_passed=3,
            tests_failed=0,
        ),
    )
