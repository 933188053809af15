"""Recording one experiment as a small transaction, one call per step.

Every step names the files it changes:

=================  ==============================================================
step               changes
=================  ==============================================================
:func:`validate`   nothing (reads results.tsv once as a stream, HANDOFF.md, git)
:func:`begin`      ``.codeflash/pending/<id>.json`` (the journal entry)
:func:`commit`     the named files' commit (trailer ``Codeflash-Experiment: <id>``),
                   a milestone tag, the journal entry
:func:`append`     one line of results.tsv, one of ``experiments/rows.tsv``, the journal
:func:`refresh`    HANDOFF.md (and methodology.json, learnings.md when asked), the journal
:func:`finish`     ``.codeflash/experiments/<id>.json`` (the sidecar); drops the journal
=================  ==============================================================

All of it runs under the ledger lock (``.codeflash/ledger.lock``), so rows, HANDOFF.md
and commits of concurrent records never interleave. :func:`recover` (run first by
``record`` and ``status``, in :mod:`~codeflash_lab.experiments.record_recovery`) finishes
an entry left behind once its commit exists, and rolls back one whose commit never
landed. ``CODEFLASH_LAB_FAULT`` set to ``after-begin``, ``after-commit`` or ``after-row``
ends the process at that point, to test that recovery.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab._git import is_git_repo, run_git
from codeflash_lab.errors import MethodologyError, NotAGitRepositoryError, WorkspaceError
from codeflash_lab.experiments.gitops import (
    check_keep_allowed,
    commit_keep,
    history_summary,
    normalise_files,
    tag_milestone,
)
from codeflash_lab.experiments.handoff_sync import note_baseline, refresh_handoff
from codeflash_lab.experiments.ledger_scan import LedgerDigest, scan_ledger
from codeflash_lab.experiments.record_plan import RecordPlan
from codeflash_lab.experiments.row_evidence import append_row_evidence
from codeflash_lab.workspace.experiment_record import (
    ExperimentRecord,
    experiment_id,
    finish_record,
    remove_pending,
    write_pending,
)
from codeflash_lab.workspace.handoff import (
    append_to_section,
    check_handoff,
    fold_text,
    handoff_lock,
)
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.learnings import append_learning
from codeflash_lab.workspace.locks import file_lock
from codeflash_lab.workspace.methodology import load_methodology, lock_methodology
from codeflash_lab.workspace.results import Experiment, append_experiment, check_complete

__all__ = [
    "FAULT_ENV",
    "TRAILER",
    "Prepared",
    "append",
    "begin",
    "commit",
    "experiment_of",
    "finish",
    "ledger_lock",
    "refresh",
    "remove_pending",
    "validate",
    "with_commit",
]

TRAILER = "Codeflash-Experiment"
FAULT_ENV = "CODEFLASH_LAB_FAULT"


@contextmanager
def ledger_lock(ws: Workspace, *, wait: float | None = None) -> Iterator[None]:
    """Hold ``.codeflash/ledger.lock`` (one record at a time per project), then the locks of
    HANDOFF.md and results.tsv, always in this order, before anything is written: a lock
    held elsewhere for too long fails the record before its first change, naming it."""
    with (
        file_lock(ws.root / "ledger.lock", wait=wait),
        handoff_lock(ws),
        file_lock(Path(f"{ws.results_tsv}.lock")),
    ):
        yield


@dataclass(frozen=True)
class Prepared:
    """What :func:`validate` found: the record's id, HEAD, the files, the log so far."""

    id: str
    head: str | None
    names: tuple[str, ...]
    digest: LedgerDigest
    reference_concurrency: int | None
    forced_states: tuple[str, ...]


def _head(project: Path) -> str | None:
    if not is_git_repo(project):
        return None
    out = run_git(["rev-parse", "--short=12", "HEAD"], project, check=False).strip()
    return out or None


def _trailer_of(project: Path, rev: str) -> str | None:
    fmt = f"--format=%(trailers:key={TRAILER},valueonly)"
    out = run_git(["log", "-1", fmt, rev, "--"], project, check=False).strip()
    return out.splitlines()[-1].strip() if out else None


def _check_text(path: Path) -> None:
    if not path.exists():
        return
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise WorkspaceError(f"{path}:{line}: not UTF-8 text ({exc.reason})") from None


def record_id(ws: Workspace, plan: RecordPlan, names: tuple[str, ...], head: str | None) -> str:
    """The record's id; a retry after its own keep commit finds the id it had before."""

    def ident(h: str | None) -> str:
        return experiment_id(
            target=plan.row["target_test"], numbers=plan.id_numbers,
            description=plan.row["description"], files=names, head=h,
        )  # fmt: skip

    if head and plan.commits:
        parent = _head_of(ws.project, "HEAD~1")
        if parent and _trailer_of(ws.project, "HEAD") == ident(parent):
            return ident(parent)
    return ident(head)


def _head_of(project: Path, rev: str) -> str | None:
    out = run_git(["rev-parse", "--short=12", rev], project, check=False).strip()
    return out or None


def validate(ws: Workspace, plan: RecordPlan) -> Prepared:
    """Check every file the record reads or writes; change nothing.

    Raises:
        ResultsFormatError: results.tsv is malformed (file, line and column named).
        WorkspaceError: HANDOFF.md or learnings.md is not UTF-8 (file and line named).
        MethodologyError: the concurrency differs from the reference.
        NotAGitRepositoryError: no git and no ``commit`` given.
        GitError / DirtyIndexError: a keep commit would be refused (state named).
    """
    digest = scan_ledger(ws.results_tsv)
    check_complete(ws.results_tsv)
    check_handoff(ws)
    if plan.lesson:
        _check_text(ws.learnings_md)
    ref = _check_concurrency(ws, digest, plan)
    git = is_git_repo(ws.project)
    if not git and not plan.commit:
        raise NotAGitRepositoryError(
            f"{ws.project}: not a git repository, so the commit is unknown; pass --commit"
        )
    names: tuple[str, ...] = ()
    forced: list[str] = []
    if plan.commits:
        if not git:
            raise NotAGitRepositoryError(f"{ws.project}: not a git repository; cannot commit")
        names = tuple(normalise_files(ws.project, plan.files, base=ws.project))
        forced = check_keep_allowed(_toplevel(ws.project), names, force=plan.force)
    head = _head(ws.project) if git else None
    rid = record_id(ws, plan, names, head)
    return Prepared(rid, head, names, digest, ref, tuple(forced))


def _toplevel(project: Path) -> Path:
    return Path(run_git(["rev-parse", "--show-toplevel"], project).strip())


def _check_concurrency(ws: Workspace, digest: LedgerDigest, plan: RecordPlan) -> int | None:
    locked = load_methodology(ws)
    ref: int | None
    if locked is not None:
        ref, source = locked.concurrency, "the locked methodology (methodology.json)"
    else:
        ref, source = digest.last_concurrency, "the previous experiment in results.tsv"
    conc = plan.row["concurrency"]
    if conc is None or ref is None or ref == int(conc) or plan.new_baseline:
        return ref
    raise MethodologyError(
        f"concurrency {int(conc)} differs from {source} (concurrency {ref}); measure at "
        f"concurrency {ref}, or record a new baseline with --new-baseline"
    )


def begin(ws: Workspace, plan: RecordPlan, prep: Prepared) -> ExperimentRecord:
    """Write the journal entry (changes ``.codeflash/pending/<id>.json``)."""
    display = f"{fold_text(plan.row['description'])} — {fold_text(plan.ruling.line())}"
    record = ExperimentRecord(
        id=prep.id,
        target=plan.row["target_test"],
        pattern=plan.row["pattern"],
        description=plan.row["description"],
        ruling=plan.ruling,
        status=plan.status,
        numbers={**plan.id_numbers, **plan.row},
        files=prep.names,
        head_before=prep.head,
        guard=plan.guard,
        created=datetime.now(UTC).isoformat(),
        extra={
            "display": display,
            "row": {**plan.row, "commit": plan.commit or prep.head or "-"},
            "commits": plan.commits,
            "plan": {
                "new_baseline": plan.new_baseline,
                "lesson": plan.lesson,
                "tag_every": plan.tag_every,
                "reference_concurrency": prep.reference_concurrency,
                "first_row": prep.digest.rows == 0,
                "forced_states": list(prep.forced_states),
            },
        },
    )
    write_pending(ws, record)
    _fault("after-begin")
    return record


def _fault(point: str) -> None:
    if os.environ.get(FAULT_ENV, "").strip() == point:
        os._exit(137)


def commit(ws: Workspace, plan: RecordPlan, record: ExperimentRecord) -> ExperimentRecord:
    """Commit the named files with the record's trailer, tag a milestone when due.

    Changes: the repository (one commit, maybe a tag) and the journal entry. Does
    nothing unless the record is a KEEP with files.
    """
    if not plan.commits:
        return record
    sha = commit_keep(
        ws.project, list(record.files), fold_text(plan.row["description"]),
        pre_commit=plan.pre_commit,
        trailer=f"{TRAILER}: {record.id}", force=plan.force, base=_toplevel(ws.project),
    )  # fmt: skip
    _fault("after-commit")
    tag = tag_milestone(ws.project, every=plan.tag_every)
    record = with_commit(record, sha).step(commit=sha, tag=tag)
    write_pending(ws, record)
    return record


def with_commit(record: ExperimentRecord, sha: str) -> ExperimentRecord:
    """The record with its row naming the keep commit ``sha``."""
    row = {**record.extra.get("row", {}), "commit": sha[:12]}
    return replace(record, extra={**record.extra, "row": row})


def experiment_of(record: ExperimentRecord) -> Experiment:
    """The results.tsv row a record writes."""
    row = dict(record.extra["row"])
    cells: dict[str, Any] = {k: row.get(k) for k in (
        "commit", "target_test", "baseline_latency_ms", "optimized_latency_ms",
        "latency_change", "baseline_throughput", "optimized_throughput", "throughput_change",
        "concurrency", "tests_passed", "tests_failed", "status", "pattern", "description",
    )}  # fmt: skip
    return Experiment(**cells)


def append(ws: Workspace, record: ExperimentRecord, digest: LedgerDigest) -> ExperimentRecord:
    """Append the row to results.tsv and its line to ``experiments/rows.tsv``.

    Changes: results.tsv (one line), rows.tsv (one line), the journal entry.
    """
    experiment = experiment_of(record)
    number = append_experiment(ws.results_tsv, experiment)
    _fault("after-row")
    digest.add(number, experiment)
    append_row_evidence(ws, number, record.id, record.ruling.line() if record.ruling else "")
    record = record.step(row=number)
    write_pending(ws, record)
    return record


def refresh(ws: Workspace, record: ExperimentRecord, digest: LedgerDigest) -> ExperimentRecord:
    """Rebuild HANDOFF.md's ledger sections (and the baseline notes, methodology lock and
    lesson the record asks for). Changes: HANDOFF.md, maybe methodology.json and
    learnings.md, the journal entry."""
    plan = dict(record.extra.get("plan", {}))
    number = int(record.steps["row"])
    experiment = experiment_of(record)
    if plan.get("new_baseline") and not record.steps.get("baseline"):
        record = record.step(baseline=_new_baseline(ws, number, experiment, plan))
    if (plan.get("new_baseline") or plan.get("first_row")) and not record.steps.get("noted"):
        note_baseline(ws, number, experiment, replace_placeholder_only=not plan.get("new_baseline"))
        record = record.step(noted=True)
    lesson = plan.get("lesson")
    if lesson and str(lesson).strip() and not record.steps.get("lesson"):
        append_learning(ws, str(lesson), kind="worked" if record.status == "KEEP" else "failed")
        record = record.step(lesson=True)
    history = None
    if is_git_repo(ws.project):
        history = history_summary(ws.project, discard_counts=digest.discards_by_pattern)
    refresh_handoff(ws, digest, digest.status(), history)
    record = record.step(handoff=True)
    write_pending(ws, record)
    return record


def _new_baseline(ws: Workspace, number: int, e: Experiment, plan: dict[str, Any]) -> str:
    ref = plan.get("reference_concurrency")
    conc = None if e.concurrency is None else int(e.concurrency)
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    change = (
        f"concurrency {ref} -> {conc}"
        if ref is not None and conc is not None and ref != conc
        else "same concurrency"
    )
    note = (
        f"- {today}: new baseline from experiment {number} ({change}): {fold_text(e.description)}"
    )
    locked = load_methodology(ws)
    if locked is not None and conc is not None and locked.concurrency != conc:
        lock_methodology(
            ws, replace(locked, concurrency=conc), new_baseline=True,
            reason=f"experiment {number}: {fold_text(e.description)}",
        )  # fmt: skip
    append_to_section(ws, "Locked methodology", note)
    return note


def finish(ws: Workspace, record: ExperimentRecord) -> Path:
    """Write the sidecar and drop the journal entry (changes ``experiments/<id>.json``)."""
    return finish_record(ws, record)
