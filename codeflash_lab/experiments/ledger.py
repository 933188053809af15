"""Record one experiment: decide, check, then commit, append results.tsv and update HANDOFF.md.

:func:`record_experiment` is the public entry. It plans the record
(:mod:`~codeflash_lab.experiments.record_plan`: arguments, ruling, evidence) and runs
it as a transaction (:mod:`~codeflash_lab.experiments.record_txn`): everything that
can refuse (a mangled log or HANDOFF.md, a methodology change, an undecided verdict,
a git state, a dirty index) is checked before anything is written, so a refused
record leaves every file as it was; an interrupted one is finished or rolled back by
the next ``record`` or ``status``; a retry of a finished one does nothing.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab._git import is_git_repo
from codeflash_lab.errors import WorkspaceError
from codeflash_lab.experiments import record_recovery as recovery
from codeflash_lab.experiments import record_txn as txn
from codeflash_lab.experiments.decision import Decision
from codeflash_lab.experiments.gitops import HistorySummary, history_summary
from codeflash_lab.experiments.ledger_scan import LedgerDigest, scan_ledger
from codeflash_lab.experiments.plateau import LedgerStatus
from codeflash_lab.experiments.progress import plateau_line, result_line, target_line
from codeflash_lab.experiments.record_plan import RecordPlan, plan_record
from codeflash_lab.verdicts import Ruling
from codeflash_lab.workspace.experiment_record import (
    ExperimentRecord,
    GuardRun,
    find_record,
)
from codeflash_lab.workspace.handoff import fold_text
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment, read_results

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RecordResult",
    "read_ledger",
    "record_experiment",
    "recover_ledger",
    "workspace_history",
    "workspace_status",
]


def _ws(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What recording one experiment did.

    Attributes:
        number: the experiment's 1-based number (its row in results.tsv).
        experiment: the row written.
        decision: what the rules said (``None`` when no number was measured and the
            status was given by hand).
        status: the ledger's state after this row.
        methodology_note: the line added to HANDOFF.md for a new baseline, if any.
        commit: the keep commit made for ``files``, if any.
        tag: the milestone tag made after that commit, if any.
        lines: the progress lines to print.
        ruling: the verdict, its rule and its evidence (what the sidecar holds).
        record_id: the id of the record (``.codeflash/experiments/<id>.json``).
        repeated: this call found the same experiment already recorded and did nothing.
    """

    number: int
    experiment: Experiment
    decision: Decision | None
    status: LedgerStatus
    methodology_note: str | None
    commit: str | None
    tag: str | None
    lines: tuple[str, ...]
    ruling: Ruling | None = None
    record_id: str | None = None
    repeated: bool = False
    recovered: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "number": self.number,
            "experiment": self.experiment.to_dict(),
            "decision": None if self.decision is None else self.decision.to_dict(),
            "status": self.status.to_dict(),
            "methodology_note": self.methodology_note,
            "commit": self.commit,
            "tag": self.tag,
            "lines": list(self.lines),
            "ruling": None if self.ruling is None else self.ruling.to_dict(),
            "record_id": self.record_id,
            "repeated": self.repeated,
        }

    def to_text(self) -> str:
        """The progress lines, one per line."""
        return "\n".join(self.lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_frame(self) -> pd.DataFrame:
        """The recorded row as a one-row DataFrame indexed by experiment number."""
        import pandas as pd

        frame = pd.DataFrame([self.experiment.to_dict()])
        frame.index = pd.Index([self.number], name="experiment")
        return frame

    def _repr_html_(self) -> str:
        import html

        return "<br>".join(html.escape(line) for line in self.lines)


def read_ledger(workspace: Workspace | str | os.PathLike[str]) -> tuple[Experiment, ...]:
    """The rows of ``.codeflash/results.tsv``, strictly checked (all of them, in memory;
    :func:`workspace_status` streams instead).

    Raises:
        WorkspaceError: no ``.codeflash/`` folder.
        ResultsFormatError: the log is malformed (the message names line and column).
    """
    ws = _ws(workspace).require()
    return read_results(ws.results_tsv).rows


def workspace_status(workspace: Workspace | str | os.PathLike[str]) -> LedgerStatus:
    """:func:`~codeflash_lab.experiments.plateau.ledger_status` of the project's log,
    read as a stream (memory stays flat whatever its size)."""
    ws = _ws(workspace).require()
    return scan_ledger(ws.results_tsv).status()


def workspace_history(
    workspace: Workspace | str | os.PathLike[str],
    rows: tuple[Experiment, ...] | list[Experiment] | LedgerDigest | None = None,
) -> HistorySummary | None:
    """:func:`~codeflash_lab.experiments.gitops.history_summary` of the project, with the
    log's discarded patterns; ``None`` when the project is not a git repository."""
    ws = _ws(workspace)
    if not is_git_repo(ws.project):
        return None
    if isinstance(rows, LedgerDigest):
        return history_summary(ws.project, discard_counts=rows.discards_by_pattern)
    if rows is None:
        digest = scan_ledger(ws.require().results_tsv)
        return history_summary(ws.project, discard_counts=digest.discards_by_pattern)
    discarded = [r.pattern for r in rows if r.status == "DISCARD"]
    return history_summary(ws.project, discarded_patterns=discarded)


def recover_ledger(
    workspace: Workspace | str | os.PathLike[str], *, wait: float | None = 2.0
) -> list[str]:
    """Finish or roll back records an interrupted run left behind, and report keep commits
    that no record accounts for. Returns one ``[recovered]`` or ``[ledger]`` line per finding.

    Args:
        workspace: the project.
        wait: seconds to wait for the ledger lock; when another record holds it longer,
            its journal entry is its own and is left alone (``None``: the usual 30 s).
    """
    ws = _ws(workspace).require()
    lines: list[str] = []
    if any((ws.root / "pending").glob("*.json")):
        with ExitStack() as stack:
            try:
                stack.enter_context(txn.ledger_lock(ws, wait=wait))
            except WorkspaceError:
                lines.append(
                    "[ledger] a record in progress holds the ledger lock; its journal entry "
                    "is left to it"
                )
            else:
                lines += recovery.recover(ws)
    return lines + recovery.orphan_commits(ws)


def _lines(
    number: int, plan: RecordPlan, record: ExperimentRecord, experiment: Experiment
) -> list[str]:
    desc, pattern = fold_text(plan.row["description"]), plan.row["pattern"]
    lines = [target_line(number, desc, pattern), result_line(number, experiment, plan.decision)]
    lines.append(f"[experiment {number}] {plan.ruling.line()}")
    if plan.note:
        lines.append(f"[experiment {number}] {plan.note}")
    sha, tag = record.steps.get("commit"), record.steps.get("tag")
    for state in record.extra.get("plan", {}).get("forced_states", []):
        lines.append(f"[experiment {number}] committed with --force during {state}")
    if sha:
        lines.append(f"[experiment {number}] committed {str(sha)[:12]} (async: {desc})")
    if tag:
        lines.append(f"[milestone] tagged {tag}")
    if note := record.steps.get("baseline"):
        lines.append(f"[baseline] {str(note)[2:]}")
    return lines


def _repeat(ws: Workspace, plan: RecordPlan, record: ExperimentRecord) -> RecordResult:
    number = int(record.steps.get("row") or 0)
    experiment = txn.experiment_of(record)
    state = scan_ledger(ws.results_tsv).status()
    lines = [
        target_line(number, fold_text(plan.row["description"]), plan.row["pattern"]),
        f"[experiment {number}] already recorded (record {record.id}); nothing done",
    ]
    sha = record.steps.get("commit")
    return RecordResult(
        number=number, experiment=experiment, decision=plan.decision, status=state,
        methodology_note=record.steps.get("baseline"), commit=sha, tag=record.steps.get("tag"),
        lines=tuple(lines), ruling=record.ruling, record_id=record.id, repeated=True,
    )  # fmt: skip


def record_experiment(
    workspace: Workspace | str | os.PathLike[str],
    *,
    target_test: str,
    pattern: str,
    description: str,
    baseline_latency_ms: float | None = None,
    optimized_latency_ms: float | None = None,
    baseline_throughput: float | None = None,
    optimized_throughput: float | None = None,
    concurrency: int | None = None,
    tests_passed: int | None = None,
    tests_failed: int | None = None,
    commit: str | None = None,
    status: str | None = None,
    confirmed: bool | None = None,
    blocking_removed: bool = False,
    measured_verdict: str | None = None,
    p99_change: float | None = None,
    latency_change: float | None = None,
    throughput_change: float | None = None,
    new_baseline: bool = False,
    files: tuple[str, ...] | list[str] = (),
    tag_every: int = 3,
    lesson: str | None = None,
    pre_commit: bool = True,
    guard: GuardRun | None = None,
    ruling: Ruling | None = None,
    evidence_ref: str | None = None,
    force: bool = False,
) -> RecordResult:
    """Decide, then commit (a KEEP with ``files``), append one row to results.tsv and
    update HANDOFF.md, as one transaction.

    With no ``ruling`` and ``status=None`` the keep/discard rules decide from the numbers,
    ``confirmed`` and ``blocking_removed``. A ``ruling`` already made (from a compare) is
    taken as it is unless tests failed or a blocking call was removed. With ``files`` a
    KEEP is committed first (only those files, ``async: <description>``, trailer
    ``Codeflash-Experiment: <id>``) and a milestone tag is added every ``tag_every`` keeps;
    the row then records the new commit. The sidecar ``.codeflash/experiments/<id>.json``
    keeps the ruling, its evidence, the guard run and the steps done.

    Args:
        workspace: the project's :class:`Workspace` (or the project folder).
        target_test: what was measured (a test id or a benchmark target).
        pattern: the category slug of the change (one of ``categories.SLUGS``).
        description: one line saying what the change does.
        guard: the test command's run with the change, when one ran (its failures
            count as ``tests_failed``).
        ruling: a decision already made (e.g. a compare's ruling).
        evidence_ref: where the numbers come from (a ``.codeflash/runs/`` file); without
            it typed numbers are shown as "typed, not measured".
        force: commit on a detached HEAD or during a rebase or bisect.
        baseline_latency_ms: p50 before the change.
        optimized_latency_ms: p50 after the change.
        baseline_throughput: operations per second before.
        optimized_throughput: operations per second after.
        concurrency: operations in flight during the benchmark.
        tests_passed: passing tests with the change.
        tests_failed: failing tests with the change.
        commit: the commit measured (default: HEAD of the project).
        status: ``KEEP``/``DISCARD`` chosen by a person; overrides the rules (rule ``person``).
        confirmed: for a change under 10%, the verdict of repeated runs (shown as asserted
            without ``evidence_ref``).
        blocking_removed: a blocking call is gone and asyncio debug mode confirms it.
        measured_verdict: the benchmark comparison's verdict for these numbers, when they
            came from one without a ruling.
        p99_change: p99 latency change in percent, when known.
        latency_change: p50 change in percent, used only when the two latencies are not given.
        throughput_change: throughput change in percent, used only when the two
            throughputs are not given.
        new_baseline: accept a concurrency different from the locked one; noted in HANDOFF.md.
        files: files to commit when the result is a KEEP (relative to the project folder).
        tag_every: keeps per milestone tag (3 to 5).
        lesson: a line for learnings.md (filed under ``worked`` for a KEEP, else ``failed``).
        pre_commit: run the project's pre-commit hooks on ``files`` before committing.

    Returns:
        The :class:`RecordResult` (``repeated`` when the same experiment was already
        recorded: nothing is done twice).

    Raises:
        ValueError: an unknown ``pattern``/``status``, an empty ``description``, or a
            verdict the rules leave to a person (small unconfirmed change, tradeoff).
        WorkspaceError: no ``.codeflash/`` folder; HANDOFF.md unreadable (file and line
            named); a lock held too long (lock file named).
        ResultsFormatError: the log is malformed; nothing is written.
        MethodologyError: the concurrency differs from the locked methodology.
        GitError: a refused git state (named), or committing ``files`` failed (nothing
            is recorded then; the files hooks changed are listed).
    """
    ws = _ws(workspace).require()
    plan = plan_record(
        target_test=target_test, pattern=pattern, description=description,
        baseline_latency_ms=baseline_latency_ms, optimized_latency_ms=optimized_latency_ms,
        baseline_throughput=baseline_throughput, optimized_throughput=optimized_throughput,
        concurrency=concurrency, tests_passed=tests_passed, tests_failed=tests_failed,
        commit=commit, status=status, confirmed=confirmed, blocking_removed=blocking_removed,
        measured_verdict=measured_verdict, p99_change=p99_change, latency_change=latency_change,
        throughput_change=throughput_change, new_baseline=new_baseline, files=files,
        tag_every=tag_every, lesson=lesson, pre_commit=pre_commit, guard=guard, ruling=ruling,
        evidence_ref=evidence_ref, force=force,
    )  # fmt: skip
    with txn.ledger_lock(ws):
        recovered = recovery.recover(ws)
        prep = txn.validate(ws, plan)
        done = find_record(ws, prep.id)  # its sidecar: leftovers were recovered above
        if done is not None and done.state == "done":
            return _repeat(ws, plan, done)
        record = txn.begin(ws, plan, prep)
        try:
            record = txn.commit(ws, plan, record)
        except BaseException:
            if not plan.commits or recovery.find_commit(ws, record.id, limit=5) is None:
                txn.remove_pending(ws, record.id)  # nothing happened: no entry to finish
            raise
        record = txn.append(ws, record, prep.digest)
        record = txn.refresh(ws, record, prep.digest)
        txn.finish(ws, record)
    number = int(record.steps["row"])
    experiment = txn.experiment_of(record)
    state = prep.digest.status()
    lines = [*recovered, *_lines(number, plan, record, experiment)]
    if (plateau := plateau_line(state)) is not None:
        lines.append(plateau)
    sha = record.steps.get("commit")
    return RecordResult(
        number=number, experiment=experiment, decision=plan.decision, status=state,
        methodology_note=record.steps.get("baseline"), commit=sha, tag=record.steps.get("tag"),
        lines=tuple(lines), ruling=plan.ruling, record_id=record.id, recovered=tuple(recovered),
    )  # fmt: skip
