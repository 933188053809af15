"""The one experiment flow: start clean, change, guard, compare, decide, record, keep or revert.

The API, the CLI (``experiment start`` / ``experiment finish``), the notebooks and the
demo all go through these calls. Each step is one call; what it changes on disk:

==================  =========================================================================
step                files it changes
==================  =========================================================================
:func:`start`       ``.codeflash/experiment.json`` (the open experiment); refuses a dirty tree
(the change)        the project's own files, by a person or :func:`apply_change`
:func:`guard`       ``.codeflash/experiment.json`` (the guard run); the tests run in the
                    project's interpreter and write nothing of ours
:func:`measure`     ``.codeflash/runs/<time>-compare-<id>.json`` and ``experiment.json``; the
                    change is measured from a snapshot (``--head WORKTREE``), nothing in the
                    working tree moves
:func:`decide`      nothing (pure)
:func:`record`      KEEP: a commit of the changed files only (``async: <description>``),
                    maybe a milestone tag; DISCARD: ``.codeflash/runs/discard-N.patch``
                    first, then the changed files are put back as they were at
                    :func:`start`. Both: one row in ``results.tsv``, ``HANDOFF.md``,
                    ``learnings.md`` (with a lesson), the sidecar
                    ``.codeflash/experiments/<id>.json``; ``experiment.json`` is removed
==================  =========================================================================

:func:`finish` runs guard → measure (unless a saved compare is named) → decide → record;
:func:`run_experiment` runs the whole flow with a change given as code; :func:`abandon`
closes an experiment without a row (``.codeflash/runs/abandoned-N.patch``, files put back).

The steps live here and only here; what they share is in
:mod:`~codeflash_lab.experiments.flow_state` (the open experiment, the patch and revert),
:mod:`~codeflash_lab.experiments.flow_checks` (is a guard run or a saved compare stale),
:mod:`~codeflash_lab.experiments.flow_decide` (the ruling) and
:mod:`~codeflash_lab.experiments.flow_outcome` (the row's values, the sidecar note, the lines).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from codeflash_lab._git import head_sha, repo_root
from codeflash_lab.bench.revisions import WORKTREE, uncommitted_files, untracked_files
from codeflash_lab.categories import SLUGS
from codeflash_lab.errors import GitError, WorkspaceError
from codeflash_lab.experiments import guard as _guard
from codeflash_lab.experiments.compare_input import load_compare
from codeflash_lab.experiments.flow_checks import compare_inputs as _compare_inputs
from codeflash_lab.experiments.flow_checks import compare_stale as _compare_stale
from codeflash_lab.experiments.flow_checks import guard_stale as _guard_stale
from codeflash_lab.experiments.flow_decide import compare_ruling, flow_ruling, guard_ruling
from codeflash_lab.experiments.flow_outcome import note_steps as _note_steps
from codeflash_lab.experiments.flow_outcome import outcome_lines, row_values
from codeflash_lab.experiments.flow_state import (
    SESSION_FILE,
    ExperimentSession,
    FlowOutcome,
    changed_files,
    current,
    fingerprint,
    is_ours,
    require_session,
    revert_files,
    save_patch,
    save_session,
    workspace,
)
from codeflash_lab.experiments.ledger import record_experiment
from codeflash_lab.verdicts import Ruling
from codeflash_lab.workspace.experiment_record import GuardRun
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import read_results

__all__ = [
    "ExperimentSession",
    "FlowOutcome",
    "abandon",
    "apply_change",
    "changed_files",
    "current",
    "decide",
    "finish",
    "guard",
    "measure",
    "record",
    "run_experiment",
    "start",
    "use_compare",
]


def start(
    project: Workspace | str | os.PathLike[str],
    *,
    target: str,
    pattern: str,
    description: str,
    concurrency: int | None = None,
) -> ExperimentSession:
    """Open an experiment on a clean tree. Changes ``.codeflash/experiment.json``.

    Raises:
        ValueError: unknown ``pattern`` or empty ``description``/``target``.
        WorkspaceError: no ``.codeflash/``, or an experiment is already open.
        GitError: tracked files have uncommitted changes (commit or stash them first),
            or the project has no commit yet.
    """
    ws = workspace(project)
    pattern = pattern.strip().lower()
    if pattern not in SLUGS:
        raise ValueError(f"pattern: unknown category {pattern!r}; expected one of {SLUGS}")
    if not description.strip() or "\n" in description.strip():
        raise ValueError("description: say in one line what the change does")
    if not target.strip():
        raise ValueError("target: name what to measure (module:function or file.py:function)")
    if current(ws) is not None:
        raise WorkspaceError(
            "an experiment is already open: finish it ('codeflash-lab experiment finish') first"
        )
    dirty = [f for f in uncommitted_files(ws.project) if is_ours(f)]
    if dirty:
        raise GitError(
            f"uncommitted changes in {', '.join(dirty[:5])}: an experiment starts on a clean "
            "tree, so that only its own change is measured, kept or reverted; commit them first"
        )
    head = head_sha(ws.project)
    if head is None:
        raise GitError(f"{ws.project}: no commit yet; commit the project first")
    session = ExperimentSession(
        project=ws.project.resolve(),
        target=target.strip(),
        pattern=pattern,
        description=description.strip(),
        head_before=head,
        untracked_before=tuple(untracked_files(ws.project)),
        concurrency=concurrency,
    )
    return save_session(session)


def apply_change(session: ExperimentSession, files: Mapping[str, str]) -> list[str]:
    """Write the change: ``{path relative to the project: new text}``. Changes those files."""
    for rel, text in files.items():
        path = session.project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return changed_files(session)


def guard(
    session: ExperimentSession | Workspace | str | os.PathLike[str], *, timeout_s: float = 600.0
) -> GuardRun:
    """Run the project's test command on the change. Changes ``.codeflash/experiment.json``."""
    s = require_session(session)
    root = repo_root(s.project)
    code = fingerprint(s)
    run = _guard.run_guard(
        s.project, files=[root / f for f in changed_files(s)], timeout_s=timeout_s
    )
    save_session(replace(s, guard=run, guard_fingerprint=code))
    return run


def measure(session: ExperimentSession | Workspace | str | os.PathLike[str], **options: Any) -> Any:
    """Compare the start commit with the working tree (``--head WORKTREE``) and save it.

    Changes ``.codeflash/runs/`` (the compare run) and ``experiment.json``.

    Args:
        session: the open experiment (or its project).
        **options: passed to :func:`~codeflash_lab.bench.compare_revisions` (``config``,
            ``runs``, ``max_runs`` ...); ``concurrency`` of the session applies by default.

    Returns:
        The :class:`~codeflash_lab.bench.compare.CompareResult`.
    """
    from codeflash_lab.bench import BenchConfig, compare_revisions

    s = require_session(session)
    if "config" not in options and s.concurrency is not None:
        options["config"] = BenchConfig(concurrency=s.concurrency)
    options.setdefault("progress", False)
    result = compare_revisions(
        s.target, base=s.head_before, head=WORKTREE, repo=s.project, project=s.project, **options
    )
    if result.saved_to:
        save_session(replace(require_session(s.project), compare_ref=str(result.saved_to)))
    return result


def use_compare(
    session: ExperimentSession | Workspace | str | os.PathLike[str], ref: str
) -> ExperimentSession:
    """Take a compare saved earlier (a path or ``latest``). Changes ``experiment.json``."""
    s = require_session(session)
    numbers = load_compare(s.project, ref)
    return save_session(replace(s, compare_ref=numbers.source))


def decide(
    session: ExperimentSession | Workspace | str | os.PathLike[str],
    *,
    blocking_removed: str | bool | None = None,
    status: str | None = None,
) -> Ruling:
    """The ruling from the guard and the compare (reads only).

    Raises:
        ValueError: nothing to decide from, or the guard run or the saved compare
            describes other code than the working tree now (run that step again).
    """
    s = require_session(session)
    if _guard_stale(s):
        raise ValueError("the code changed after the guard ran; run the guard again")
    numbers, doc = _compare_inputs(s)
    stale = None if status is not None else _compare_stale(s, doc)
    if stale:
        raise ValueError(stale)
    cmp = None if numbers is None else compare_ruling(numbers, doc)
    return flow_ruling(compare=cmp, guard=s.guard, blocking_removed=blocking_removed, status=status)


def record(
    session: ExperimentSession | Workspace | str | os.PathLike[str],
    ruling: Ruling,
    *,
    lesson: str | None = None,
    tag_every: int = 3,
    pre_commit: bool = True,
    new_baseline: bool = False,
) -> FlowOutcome:
    """Record the ruling, then commit (KEEP) or revert (DISCARD). Files: see the module.

    Raises:
        ValueError: the ruling has no status (a TRADEOFF: a person decides).
        GitError: a KEEP with no changed file, or the commit failed (nothing recorded).
    """
    s = require_session(session)
    ws = workspace(s.project)
    status = ruling.status
    if status is None:
        raise ValueError(f"{ruling.line()}; a person decides: finish with status KEEP or DISCARD")
    root = repo_root(s.project)
    files = changed_files(s)
    if status == "KEEP" and not files:
        raise GitError("nothing changed since the experiment started: there is nothing to keep")
    numbers, _doc = _compare_inputs(s)
    g = s.guard
    untracked = set(untracked_files(root)) - set(s.untracked_before)
    patch = None
    if status == "DISCARD" and files:
        patch = save_patch(ws, root, files, len(read_results(ws.results_tsv).rows) + 1)
    result = record_experiment(
        ws,
        target_test=s.target,
        pattern=s.pattern,
        description=s.description,
        status=status,
        measured_verdict=numbers.verdict if numbers else None,
        commit=s.head_before[:12],
        files=tuple(str(root / f) for f in files) if status == "KEEP" else (),
        tag_every=tag_every,
        lesson=lesson,
        pre_commit=pre_commit,
        new_baseline=new_baseline,
        guard=g,
        ruling=ruling,
        evidence_ref=ruling.evidence.ref,
        **row_values(numbers, g),
    )
    if patch is not None and patch.name != f"discard-{result.number}.patch":
        target = patch.with_name(f"discard-{result.number}.patch")
        if not target.exists():
            patch = patch.replace(target)
    reverted: tuple[str, ...] = ()
    if status == "DISCARD" and files:
        revert_files(root, files, untracked)
        reverted = tuple(files)
    sidecar = _note_steps(ws, result, reverted, patch)  # the ledger wrote it; add the revert
    (ws.root / SESSION_FILE).unlink(missing_ok=True)
    lines = outcome_lines(ruling, result, g, patch, root, files)
    return FlowOutcome(ruling, result, result.commit, patch, reverted, sidecar, lines)


def abandon(
    session: ExperimentSession | Workspace | str | os.PathLike[str],
) -> Path | None:
    """Close the experiment without a row: save the change as
    ``.codeflash/runs/abandoned-N.patch``, put the files back, drop ``experiment.json``.

    Returns:
        The patch (``None`` when nothing had changed).
    """
    s = require_session(session)
    ws = workspace(s.project)
    root = repo_root(s.project)
    files = changed_files(s)
    patch = None
    if files:
        untracked = set(untracked_files(root)) - set(s.untracked_before)
        patch = save_patch(ws, root, files, 1, prefix="abandoned")
        revert_files(root, files, untracked)
    (ws.root / SESSION_FILE).unlink(missing_ok=True)
    return patch


def finish(
    project: ExperimentSession | Workspace | str | os.PathLike[str],
    *,
    compare: str | None = None,
    run_guard: bool = True,
    blocking_removed: str | bool | None = None,
    status: str | None = None,
    lesson: str | None = None,
    compare_options: Mapping[str, Any] | None = None,
    **record_options: Any,
) -> FlowOutcome:
    """Guard → measure (unless ``compare`` names a saved one) → decide → record.

    Args:
        project: the open experiment or its project.
        compare: a saved compare run (path or ``latest``) instead of measuring now.
        run_guard: run the project's tests (a guard already run is reused).
        blocking_removed: evidence that debug mode no longer sees the blocking call.
        status: ``KEEP``/``DISCARD`` chosen by a person (shown as asserted).
        lesson: a line for learnings.md.
        compare_options: passed to :func:`measure`.
        **record_options: passed to :func:`record`.
    """
    s = require_session(project)
    if run_guard and (s.guard is None or _guard_stale(s)):
        guard(s)
    broken = guard_ruling(require_session(s.project).guard)
    if compare is not None:
        use_compare(s, compare)
    elif broken is None and require_session(s.project).compare_ref is None and status is None:
        measure(s, **dict(compare_options or {}))  # a change that fails its tests is not measured
    s = require_session(s.project)
    ruling = decide(s, blocking_removed=blocking_removed, status=status)
    return record(s, ruling, lesson=lesson, **record_options)


def run_experiment(
    project: Workspace | str | os.PathLike[str],
    *,
    target: str,
    pattern: str,
    description: str,
    change: Mapping[str, str] | Callable[[Path], Iterable[str] | None],
    concurrency: int | None = None,
    **finish_options: Any,
) -> FlowOutcome:
    """The whole flow in one call: start → change → :func:`finish`.

    Args:
        change: ``{path: new text}``, or a function that edits the project folder it is given.
        **finish_options: passed to :func:`finish`.
    """
    s = start(
        project, target=target, pattern=pattern, description=description, concurrency=concurrency
    )
    if callable(change):
        change(s.project)
    else:
        apply_change(s, change)
    return finish(s, **finish_options)
