"""Run the pre-submit review over a range and record it in ``.codeflash/``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from codeflash_lab.errors import GitError
from codeflash_lab.experiments.review.checks import CHECKS, available_checks
from codeflash_lab.experiments.review.context import ReviewContext
from codeflash_lab.experiments.review.diff import load_diff
from codeflash_lab.experiments.review.model import CheckOutcome, ReviewFinding, ReviewResult
from codeflash_lab.workspace.handoff import update_section
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.runs import load_runs, save_run

__all__ = ["HANDOFF_SECTION", "last_review", "record_review", "review"]

#: The HANDOFF.md section the review writes.
HANDOFF_SECTION = "Pre-submit review findings"


def review(
    project: str | os.PathLike[str] = ".",
    *,
    base: str | None = None,
    head: str = "HEAD",
    checks: Iterable[str] | None = None,
    run_tests: bool = True,
    test_timeout_s: float = 300.0,
) -> ReviewResult:
    """Review the diff ``base..head`` of the project's repository.

    Reads the repository and ``.codeflash/`` only; nothing is written (see
    :func:`record_review`). The tests check runs the project's test command.

    Args:
        project: the project folder (holds ``.codeflash/``; inside a git repository).
        base: base revision; ``None`` = where ``codeflash/optimize`` left the main branch.
        head: head revision.
        checks: names of the checks to run (default: every available one).
        run_tests: let the tests check run the project's test command under coverage.
        test_timeout_s: time limit for that command.

    Returns:
        The review result.

    Raises:
        ReviewError: no optimization branch (without ``base``), an unknown
            revision, a base that is not an ancestor of head, or merge commits in
            the range.
        ValueError: ``checks`` names an unknown check.
    """
    names = available_checks() if checks is None else list(checks)
    unknown = sorted(set(names) - set(CHECKS))
    if unknown:
        raise ValueError(f"checks: unknown check(s) {unknown}; known: {sorted(CHECKS)}")
    if test_timeout_s <= 0:
        raise ValueError(f"test_timeout_s: must be positive, got {test_timeout_s}")
    diff = load_diff(project, base=base, head=head)
    ctx = ReviewContext(
        diff=diff,
        workspace=Workspace(Path(project)),
        run_tests=run_tests,
        test_timeout_s=test_timeout_s,
    )
    findings: list[ReviewFinding] = []
    outcomes: list[CheckOutcome] = []
    for name in names:
        found = _run_check(name, ctx)
        findings += found
        outcomes.append(_outcome(name, ctx, found))
    return ReviewResult(
        base=diff.base,
        head=diff.head,
        base_sha=diff.base_sha,
        head_sha=diff.head_sha,
        files=tuple(f.path for f in diff.files),
        findings=tuple(dict.fromkeys(findings)),
        checks_run=tuple(names),
        outcomes=tuple(outcomes),
    )


#: Checks that read only the changed Python files (N/A when none changed).
_PYTHON_ONLY = frozenset(
    {"asyncio-run", "duplication", "resources", "suppression", "behaviour", "tests", "scan"}
)


def _outcome(name: str, ctx: ReviewContext, found: list[ReviewFinding]) -> CheckOutcome:
    """How the check ended: what it said itself, else N/A when it had no Python to read."""
    said = ctx.outcomes.get(name)
    if said is not None:
        return said
    if not found and name in _PYTHON_ONLY and not ctx.changed_python():
        return CheckOutcome(name, "n/a", "no added or changed line in a Python file of the range")
    return CheckOutcome(name, "ran")


def _run_check(name: str, ctx: ReviewContext) -> list[ReviewFinding]:
    """One check's findings; a check that breaks on odd input becomes a finding, not a crash."""
    try:
        return CHECKS[name](ctx)
    except (SyntaxError, RecursionError, UnicodeError, OSError, GitError) as exc:
        ctx.note(name, "skipped", f"could not finish: {type(exc).__name__}: {exc}")
        return [
            ReviewFinding(
                name,
                "warning",
                "",
                0,
                f"the {name} check could not finish: {type(exc).__name__}: {exc}",
                "this part of the checklist is unverified; check it by hand",
            )
        ]


def record_review(result: ReviewResult, project: str | os.PathLike[str] = ".") -> Path:
    """Save the review as a ``review`` run and rewrite HANDOFF.md's review section.

    Args:
        result: the review to record.
        project: the project folder holding ``.codeflash/``.

    Returns:
        The path of the saved run file.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    ws = Workspace(Path(project)).require()
    payload = result.to_dict()
    path = save_run(ws, "review", payload)
    update_section(ws, HANDOFF_SECTION, result.to_markdown())
    return path


def last_review(project: str | os.PathLike[str] = ".") -> ReviewResult | None:
    """The most recently saved review of the project, or ``None``."""
    runs = load_runs(Workspace(Path(project)), "review")
    if not runs:
        return None
    doc = runs[-1]
    findings = []
    for item in doc.get("findings", []):
        try:
            findings.append(ReviewFinding.from_dict(item))
        except (KeyError, TypeError, ValueError):
            continue
    outcomes = []
    for item in doc.get("outcomes", []):
        try:
            outcomes.append(CheckOutcome.from_dict(item))
        except (KeyError, TypeError, ValueError):
            continue
    return ReviewResult(
        base=str(doc.get("base", "")),
        head=str(doc.get("head", "")),
        base_sha=str(doc.get("base_sha", "")),
        head_sha=str(doc.get("head_sha", "")),
        files=tuple(doc.get("files", ())),
        findings=tuple(findings),
        checks_run=tuple(doc.get("checks_run", ())),
        outcomes=tuple(outcomes),
    )
