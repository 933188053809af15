"""Check ``claims``: every KEEP in results.tsv is backed by a saved run and an existing commit."""

from __future__ import annotations

import os
from pathlib import Path

from codeflash_lab._git import run_git
from codeflash_lab.errors import GitError, WorkspaceError
from codeflash_lab.experiments.review.context import ReviewContext
from codeflash_lab.experiments.review.evidence import keep_rows, match_keep
from codeflash_lab.experiments.review.model import ReviewFinding
from codeflash_lab.workspace.methodology import load_methodology
from codeflash_lab.workspace.runs import load_runs

__all__ = ["check_claims", "commit_exists"]

CHECK = "claims"


def commit_exists(repo: str | os.PathLike[str], rev: str) -> bool:
    """True when ``rev`` names a commit in ``repo``."""
    if not rev or rev.startswith("-"):
        return False
    try:
        run_git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], Path(repo))
    except GitError:
        return False
    return True


def _in_history(ctx: ReviewContext, rev: str) -> bool:
    try:
        run_git(["merge-base", "--is-ancestor", rev, ctx.diff.head_sha], ctx.repo)
    except GitError:
        return False
    return True


def check_claims(ctx: ReviewContext) -> list[ReviewFinding]:
    """Compare each KEEP row with the saved measurements and the repository.

    Args:
        ctx: the review context.

    Returns:
        An error per KEEP row whose commit is missing or whose numbers or
        methodology no saved ``compare``/``bench`` run backs; a warning when the
        saved verdict was DISCARD and an info line for other remarks.
    """
    ws = ctx.workspace
    if not ws.results_tsv.exists():
        ctx.note(CHECK, "n/a", "no results.tsv, so no KEEP claims a gain")
        return []
    rel = os.path.relpath(ws.results_tsv, ctx.repo)
    runs = load_runs(ws)
    try:
        locked = load_methodology(ws)
    except WorkspaceError:  # an unreadable lock is reported elsewhere; claims still checkable
        locked = None
    locked_id = locked.id if locked else None
    locked_target = locked.target if locked else None
    findings: list[ReviewFinding] = []
    keeps = list(keep_rows(ws.results_tsv))
    if not keeps:
        ctx.note(CHECK, "n/a", "results.tsv has no KEEP row, so nothing claims a gain")
    else:
        ctx.note(CHECK, "ran", f"{len(keeps)} KEEP row(s) checked against the saved runs")
    for line, row in keeps:
        label = f"KEEP {row.description or row.target_test!r}"
        if not row.commit:
            findings.append(
                ReviewFinding(
                    CHECK,
                    "error",
                    rel,
                    line,
                    f"{label} records no commit",
                    "a kept change must point at the commit that holds it, or nobody can "
                    "reproduce or ship it",
                )
            )
        elif not commit_exists(ctx.repo, row.commit):
            findings.append(
                ReviewFinding(
                    CHECK,
                    "error",
                    rel,
                    line,
                    f"{label}: commit {row.commit} does not exist in the repository",
                    "history was rewritten (rebase, amend, squash) after recording; the claim "
                    "now points at nothing; re-measure and re-record against the new commit",
                )
            )
        elif not _in_history(ctx, row.commit):
            findings.append(
                ReviewFinding(
                    CHECK,
                    "error",
                    rel,
                    line,
                    f"{label}: commit {row.commit} is not in the history of the reviewed head",
                    "the commit was amended or rebased away after recording, so the measured "
                    "code is not the code under review; re-measure and re-record",
                )
            )
        evidence = match_keep(row, runs, locked_id=locked_id, locked_target=locked_target)
        for problem in evidence.problems:
            findings.append(
                ReviewFinding(
                    CHECK,
                    "error",
                    rel,
                    line,
                    f"{label}: {problem}",
                    "every number in results.tsv must be reproducible from a saved run measured "
                    "with the locked methodology; an unbacked claim misleads reviewers",
                )
            )
        for note in evidence.notes:
            findings.append(
                ReviewFinding(
                    CHECK,
                    "warning" if "DISCARD" in note else "info",
                    rel,
                    line,
                    f"{label}: {note}",
                    "confirm the row still describes what was measured",
                )
            )
    return findings
