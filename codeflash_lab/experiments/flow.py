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
:func:`run_experiment` runs the whole flow with a change given as code.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab._git import head_sha, repo_root, run_git
from codeflash_lab.bench.revisions import WORKTREE, uncommitted_files, untracked_files
from codeflash_lab.categories import SLUGS
from codeflash_lab.errors import GitError, WorkspaceError
from codeflash_lab.experiments import guard as _guard
from codeflash_lab.experiments.compare_input import CompareNumbers, load_compare
from codeflash_lab.experiments.flow_decide import compare_ruling, flow_ruling, guard_ruling
from codeflash_lab.experiments.ledger import RecordResult, record_experiment
from codeflash_lab.verdicts import Ruling, Source
from codeflash_lab.workspace.experiment_record import (
    ExperimentRecord,
    GuardRun,
    experiment_id,
    find_record,
    finish_record,
)
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import read_results

__all__ = [
    "ExperimentSession",
    "FlowOutcome",
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

SESSION_FILE = "experiment.json"


def _ws(project: Workspace | str | os.PathLike[str]) -> Workspace:
    ws = project if isinstance(project, Workspace) else Workspace(Path(project))
    return ws.require()


def _ours(name: str) -> bool:
    return not (name == ".codeflash" or name.startswith(".codeflash/") or "/.codeflash/" in name)


@dataclass(frozen=True)
class ExperimentSession:
    """An open experiment (``.codeflash/experiment.json``).

    Attributes:
        project: the project folder.
        target: what is measured (``module:function`` or ``file.py:function``).
        pattern: the category slug of the change.
        description: one line saying what the change does.
        head_before: the commit the experiment started from (the compare's base).
        untracked_before: files git did not track at the start (not part of the change).
        concurrency: the concurrency to measure at (``None``: the compare's default).
        guard: the guard run, once :func:`guard` ran.
        compare_ref: the saved compare run, once :func:`measure` or :func:`use_compare` ran.
        started: when :func:`start` ran (UTC, ISO 8601).
    """

    project: Path
    target: str
    pattern: str
    description: str
    head_before: str
    untracked_before: tuple[str, ...] = ()
    concurrency: int | None = None
    guard: GuardRun | None = None
    compare_ref: str | None = None
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": str(self.project),
            "target": self.target,
            "pattern": self.pattern,
            "description": self.description,
            "head_before": self.head_before,
            "untracked_before": list(self.untracked_before),
            "concurrency": self.concurrency,
            "guard": None if self.guard is None else self.guard.to_dict(),
            "compare_ref": self.compare_ref,
            "started": self.started,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ExperimentSession:
        return cls(
            project=Path(doc["project"]),
            target=str(doc["target"]),
            pattern=str(doc["pattern"]),
            description=str(doc["description"]),
            head_before=str(doc["head_before"]),
            untracked_before=tuple(doc.get("untracked_before") or ()),
            concurrency=doc.get("concurrency"),
            guard=GuardRun.from_dict(doc["guard"]) if doc.get("guard") else None,
            compare_ref=doc.get("compare_ref"),
            started=str(doc.get("started") or ""),
        )


def _save(session: ExperimentSession) -> ExperimentSession:
    path = Workspace(session.project).root / SESSION_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(session.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return session


def current(project: Workspace | str | os.PathLike[str]) -> ExperimentSession | None:
    """The open experiment of the project, or ``None``."""
    path = _ws(project).root / SESSION_FILE
    if not path.is_file():
        return None
    try:
        return ExperimentSession.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError) as exc:
        raise WorkspaceError(f"{path}: unreadable open experiment ({exc})") from None


def _session(
    project_or_session: ExperimentSession | Workspace | str | os.PathLike[str],
) -> ExperimentSession:
    if isinstance(project_or_session, ExperimentSession):
        # the file is the truth: a session object a step returned earlier may be stale
        return current(project_or_session.project) or project_or_session
    session = current(project_or_session)
    if session is None:
        raise WorkspaceError("no open experiment: run 'codeflash-lab experiment start' first")
    return session


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
    ws = _ws(project)
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
    dirty = [f for f in uncommitted_files(ws.project) if _ours(f)]
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
    return _save(session)


def apply_change(session: ExperimentSession, files: Mapping[str, str]) -> list[str]:
    """Write the change: ``{path relative to the project: new text}``. Changes those files."""
    for rel, text in files.items():
        path = session.project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return changed_files(session)


def changed_files(session: ExperimentSession) -> list[str]:
    """Files the experiment changed, relative to the repository root (reads only)."""
    tracked = [f for f in uncommitted_files(session.project) if _ours(f)]
    new = [f for f in untracked_files(session.project) if f not in session.untracked_before]
    return sorted({*tracked, *new})


def guard(
    session: ExperimentSession | Workspace | str | os.PathLike[str], *, timeout_s: float = 600.0
) -> GuardRun:
    """Run the project's test command on the change. Changes ``.codeflash/experiment.json``."""
    s = _session(session)
    root = repo_root(s.project)
    run = _guard.run_guard(
        s.project, files=[root / f for f in changed_files(s)], timeout_s=timeout_s
    )
    _save(replace(s, guard=run))
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

    s = _session(session)
    if "config" not in options and s.concurrency is not None:
        options["config"] = BenchConfig(concurrency=s.concurrency)
    options.setdefault("progress", False)
    result = compare_revisions(
        s.target, base=s.head_before, head=WORKTREE, repo=s.project, project=s.project, **options
    )
    if result.saved_to:
        _save(replace(_session(s.project), compare_ref=str(result.saved_to)))
    return result


def use_compare(
    session: ExperimentSession | Workspace | str | os.PathLike[str], ref: str
) -> ExperimentSession:
    """Take a compare saved earlier (a path or ``latest``). Changes ``experiment.json``."""
    s = _session(session)
    numbers = load_compare(s.project, ref)
    return _save(replace(s, compare_ref=numbers.source))


def _compare_inputs(s: ExperimentSession) -> tuple[CompareNumbers | None, dict[str, Any] | None]:
    if not s.compare_ref:
        return None, None
    numbers = load_compare(s.project, s.compare_ref)
    try:
        doc = json.loads(Path(numbers.source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    return numbers, doc


def decide(
    session: ExperimentSession | Workspace | str | os.PathLike[str],
    *,
    blocking_removed: str | None = None,
    status: str | None = None,
) -> Ruling:
    """The ruling from the guard and the compare (pure over what the steps saved)."""
    s = _session(session)
    numbers, doc = _compare_inputs(s)
    cmp = None if numbers is None else compare_ruling(numbers, doc)
    return flow_ruling(compare=cmp, guard=s.guard, blocking_removed=blocking_removed, status=status)


@dataclass(frozen=True)
class FlowOutcome:
    """How an experiment ended.

    Attributes:
        ruling: the decision (verdict, rule, reason, evidence).
        record: what the ledger wrote (row number, row, progress lines).
        commit: the keep commit, for a KEEP.
        patch: ``.codeflash/runs/discard-N.patch``, for a DISCARD.
        reverted: the files put back, for a DISCARD.
        sidecar: ``.codeflash/experiments/<id>.json``.
        lines: what to print.
    """

    ruling: Ruling
    record: RecordResult
    commit: str | None
    patch: Path | None
    reverted: tuple[str, ...]
    sidecar: Path | None
    lines: tuple[str, ...]

    @property
    def status(self) -> str:
        """``KEEP`` or ``DISCARD`` (what results.tsv says)."""
        return str(self.record.experiment.status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "ruling": self.ruling.to_dict(),
            "record": self.record.to_dict(),
            "commit": self.commit,
            "patch": None if self.patch is None else str(self.patch),
            "reverted": list(self.reverted),
            "sidecar": None if self.sidecar is None else str(self.sidecar),
            "lines": list(self.lines),
        }

    def to_text(self) -> str:
        return "\n".join(self.lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        import html

        return "<br>".join(html.escape(line) for line in self.lines)


def _save_patch(ws: Workspace, root: Path, files: list[str], number: int) -> Path:
    tracked = [f for f in files if f not in set(untracked_files(root))]
    text = run_git(["diff", "--binary", "HEAD", "--", *tracked], root) if tracked else ""
    for f in sorted(set(files) - set(tracked)):
        text += run_git(["diff", "--no-index", "--binary", "/dev/null", f], root, check=False)
    ws.runs_dir.mkdir(parents=True, exist_ok=True)
    path = ws.runs_dir / f"discard-{number}.patch"
    while path.exists():
        number += 1
        path = ws.runs_dir / f"discard-{number}.patch"
    path.write_text(text, encoding="utf-8")
    return path


def _revert(root: Path, files: list[str], untracked: set[str]) -> None:
    tracked = [f for f in files if f not in untracked]
    if tracked:
        run_git(["checkout", "HEAD", "--", *tracked], root)
    for f in files:
        if f in untracked:
            (root / f).unlink(missing_ok=True)


def _accepts(name: str) -> bool:
    return name in inspect.signature(record_experiment).parameters


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
    s = _session(session)
    ws = _ws(s.project)
    status = ruling.status
    if status is None:
        raise ValueError(f"{ruling.line()}; a person decides: finish with status KEEP or DISCARD")
    root = repo_root(s.project)
    files = changed_files(s)
    if status == "KEEP" and not files:
        raise GitError("nothing changed since the experiment started: there is nothing to keep")
    numbers, _doc = _compare_inputs(s)
    values: dict[str, Any] = {}
    if numbers is not None:
        values = {
            "baseline_latency_ms": numbers.baseline_latency_ms,
            "optimized_latency_ms": numbers.optimized_latency_ms,
            "baseline_throughput": numbers.baseline_throughput,
            "optimized_throughput": numbers.optimized_throughput,
            "p99_change": numbers.p99_change,
            "concurrency": numbers.concurrency,
        }
    g = s.guard
    tests = {"tests_passed": g.passed, "tests_failed": g.failed} if g and g.ran else {}
    untracked = set(untracked_files(root)) - set(s.untracked_before)
    patch = None
    if status == "DISCARD" and files:
        patch = _save_patch(ws, root, files, len(read_results(ws.results_tsv).rows) + 1)
    extra: dict[str, Any] = {}
    if _accepts("ruling"):
        extra["ruling"] = ruling
    if _accepts("guard"):
        extra["guard"] = g
    if _accepts("evidence_ref"):
        extra["evidence_ref"] = ruling.evidence.ref
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
        **tests,
        **values,
        **extra,
    )
    if patch is not None and patch.name != f"discard-{result.number}.patch":
        target = patch.with_name(f"discard-{result.number}.patch")
        if not target.exists():
            patch = patch.replace(target)
    reverted: tuple[str, ...] = ()
    if status == "DISCARD" and files:
        _revert(root, files, untracked)
        reverted = tuple(files)
    if _accepts("guard"):  # the ledger wrote the sidecar: add what happened after it
        sidecar = _note_steps(ws, result, reverted, patch)
    else:
        sidecar = _write_sidecar(ws, s, ruling, result, files, patch)
    (ws.root / SESSION_FILE).unlink(missing_ok=True)
    lines = [ruling.line(), *result.lines]
    if g is not None:
        lines.insert(0, f"[guard] {g.summary()}")
    if patch is not None:
        rel = os.path.relpath(patch, root)
        lines.append(
            f"[experiment {result.number}] reverted {', '.join(files)}; the change is saved "
            f"in {rel}; re-apply it with: git apply {rel}"
        )
    return FlowOutcome(ruling, result, result.commit, patch, reverted, sidecar, tuple(lines))


def _note_steps(
    ws: Workspace, result: RecordResult, reverted: tuple[str, ...], patch: Path | None
) -> Path | None:
    """Add the revert and the saved patch to the sidecar the ledger wrote."""
    rid = getattr(result, "record_id", None)
    rec = find_record(ws, rid) if rid else None
    if rec is None:
        return None
    patch_ref = None if patch is None else str(patch.relative_to(ws.project))
    return finish_record(ws, rec.step(reverted=bool(reverted), patch=patch_ref))


def _write_sidecar(
    ws: Workspace,
    s: ExperimentSession,
    ruling: Ruling,
    result: RecordResult,
    files: list[str],
    patch: Path | None,
) -> Path:
    row = result.experiment.to_dict()
    rid = experiment_id(
        target=s.target, numbers=row, description=s.description, files=files, head=s.head_before
    )
    rec = ExperimentRecord(
        id=rid,
        target=s.target,
        pattern=s.pattern,
        description=s.description,
        ruling=ruling,
        status=result.experiment.status,
        numbers={**row, "measured": ruling.evidence.source is Source.MEASURED},
        files=tuple(files),
        head_before=s.head_before,
        guard=s.guard,
        steps={
            "commit": result.commit,
            "row": result.number,
            "handoff": True,
            "reverted": result.experiment.status == "DISCARD" and bool(files),
            "patch": None if patch is None else str(patch.relative_to(ws.project)),
        },
    )
    return finish_record(ws, rec)


def finish(
    project: ExperimentSession | Workspace | str | os.PathLike[str],
    *,
    compare: str | None = None,
    run_guard: bool = True,
    blocking_removed: str | None = None,
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
    s = _session(project)
    if run_guard and s.guard is None:
        guard(s)
    broken = guard_ruling(_session(s.project).guard)
    if compare is not None:
        use_compare(s, compare)
    elif broken is None and _session(s.project).compare_ref is None and status is None:
        measure(s, **dict(compare_options or {}))  # a change that fails its tests is not measured
    s = _session(s.project)
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
