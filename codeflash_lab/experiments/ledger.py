"""Record one experiment: decide, check the methodology, append results.tsv, update HANDOFF.md.

Everything that can refuse (a mangled log, a methodology change, an undecided
verdict, a dirty index) is checked before anything is written, so a refused
record leaves every file as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab._git import is_git_repo, run_git
from codeflash_lab.categories import SLUGS
from codeflash_lab.errors import (
    GitError,
    MethodologyError,
    NotAGitRepositoryError,
    ResultsFormatError,
)
from codeflash_lab.experiments.decision import Decision, decide
from codeflash_lab.experiments.gitops import (
    HistorySummary,
    commit_keep,
    history_summary,
    tag_milestone,
)
from codeflash_lab.experiments.handoff_sync import note_baseline, refresh_handoff
from codeflash_lab.experiments.plateau import LedgerStatus, ledger_status
from codeflash_lab.experiments.progress import plateau_line, result_line, target_line
from codeflash_lab.workspace.handoff import append_to_section
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.learnings import append_learning
from codeflash_lab.workspace.methodology import load_methodology, lock_methodology
from codeflash_lab.workspace.results import (
    Experiment,
    append_experiment,
    percent_change,
    read_results,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RecordResult",
    "read_ledger",
    "record_experiment",
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
    """

    number: int
    experiment: Experiment
    decision: Decision | None
    status: LedgerStatus
    methodology_note: str | None
    commit: str | None
    tag: str | None
    lines: tuple[str, ...]

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
    """The rows of ``.codeflash/results.tsv``, strictly checked.

    Raises:
        WorkspaceError: no ``.codeflash/`` folder.
        ResultsFormatError: the log is malformed (the message names line and column).
    """
    ws = _ws(workspace).require()
    return read_results(ws.results_tsv).rows


def workspace_status(workspace: Workspace | str | os.PathLike[str]) -> LedgerStatus:
    """:func:`~codeflash_lab.experiments.plateau.ledger_status` of the project's log."""
    return ledger_status(read_ledger(workspace))


def workspace_history(
    workspace: Workspace | str | os.PathLike[str],
    rows: tuple[Experiment, ...] | list[Experiment] | None = None,
) -> HistorySummary | None:
    """:func:`~codeflash_lab.experiments.gitops.history_summary` of the project, with the
    log's discarded patterns; ``None`` when the project is not a git repository."""
    ws = _ws(workspace)
    if not is_git_repo(ws.project):
        return None
    rows = read_ledger(ws) if rows is None else rows
    discarded = [r.pattern for r in rows if r.status == "DISCARD"]
    return history_summary(ws.project, discarded_patterns=discarded)


def _check_concurrency(
    ws: Workspace, rows: tuple[Experiment, ...], concurrency: int | None, new_baseline: bool
) -> tuple[int | None, str]:
    """The reference concurrency and where it comes from; raise when it differs."""
    locked = load_methodology(ws)
    ref: int | None
    if locked is not None:
        ref, source = locked.concurrency, "the locked methodology (methodology.json)"
    else:
        ref = next((int(r.concurrency) for r in reversed(rows) if r.concurrency is not None), None)
        source = "the previous experiment in results.tsv"
    if concurrency is None or ref is None or ref == concurrency or new_baseline:
        return ref, source
    raise MethodologyError(
        f"concurrency {concurrency} differs from {source} (concurrency {ref}); measure at "
        f"concurrency {ref}, or record a new baseline with --new-baseline"
    )


def _check_complete(path: Path) -> None:
    """Refuse a log whose last line has no line ending (checked before any commit is made)."""
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                raise ResultsFormatError(
                    "the last line has no line ending (an interrupted write?); fix it by hand "
                    "before recording",
                    path=str(path),
                )


def _head(project: Path) -> str:
    if not is_git_repo(project):
        raise NotAGitRepositoryError(
            f"{project}: not a git repository, so the commit is unknown; pass --commit"
        )
    try:
        return run_git(["rev-parse", "--short=12", "HEAD"], project).strip()
    except GitError:
        return "-"  # a repository without a commit yet


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
) -> RecordResult:
    """Decide, then append one row to results.tsv and update HANDOFF.md at once.

    With ``status=None`` the keep/discard rules decide from the numbers,
    ``confirmed`` and ``blocking_removed``. With ``files`` a KEEP is committed first
    (only those files, ``async: <description>``) and a milestone tag is added every
    ``tag_every`` keeps; the row then records the new commit.

    Args:
        workspace: the project's :class:`Workspace` (or the project folder).
        target_test: what was measured (a test id or a benchmark target).
        pattern: the category slug of the change (one of ``categories.SLUGS``).
        description: one line saying what the change does.
        baseline_latency_ms: p50 before the change.
        optimized_latency_ms: p50 after the change.
        baseline_throughput: operations per second before.
        optimized_throughput: operations per second after.
        concurrency: operations in flight during the benchmark.
        tests_passed: passing tests with the change.
        tests_failed: failing tests with the change.
        commit: the commit measured (default: HEAD of the project).
        status: ``KEEP``/``DISCARD`` chosen by a person; overrides the rules.
        confirmed: for a change under 10%, the verdict of repeated runs.
        blocking_removed: a blocking call is gone and asyncio debug mode confirms it.
        measured_verdict: the benchmark comparison's verdict for these numbers, when they
            came from one (a clear win it calls ``INCONCLUSIVE`` still needs confirming).
        p99_change: p99 latency change in percent, when known (p50 comes from the numbers).
        latency_change: p50 change in percent, used only when the two latencies are not given.
        throughput_change: throughput change in percent, used only when the two
            throughputs are not given.
        new_baseline: accept a concurrency different from the locked one; noted in HANDOFF.md.
        files: files to commit when the result is a KEEP.
        tag_every: keeps per milestone tag (3 to 5).
        lesson: a line for learnings.md (filed under ``worked`` for a KEEP, else ``failed``).
        pre_commit: run the project's pre-commit hooks on ``files`` before committing.

    Returns:
        The :class:`RecordResult`.

    Raises:
        ValueError: an unknown ``pattern``/``status``, an empty ``description``, or a
            verdict the rules leave to a person (small unconfirmed change, tradeoff).
        WorkspaceError: no ``.codeflash/`` folder.
        ResultsFormatError: the log is malformed; nothing is written.
        MethodologyError: the concurrency differs from the locked methodology.
        GitError: committing ``files`` failed (nothing is recorded then).
    """
    if not 3 <= tag_every <= 5:
        raise ValueError(f"tag_every: expected 3 to 5 keeps per milestone, got {tag_every}")
    ws = _ws(workspace).require()
    rows = read_results(ws.results_tsv).rows
    pattern = pattern.strip().lower()
    if pattern not in SLUGS:
        raise ValueError(
            f"pattern: unknown category {pattern!r}; expected one of {', '.join(SLUGS)}"
        )
    if not description.strip():
        raise ValueError("description: say in one line what the change does")
    if status is not None and status.strip().upper() not in ("KEEP", "DISCARD"):
        raise ValueError(f"status: expected KEEP or DISCARD, got {status!r}")
    lat = percent_change(baseline_latency_ms, optimized_latency_ms)
    lat = latency_change if lat is None else lat
    thr = percent_change(baseline_throughput, optimized_throughput)
    thr = throughput_change if thr is None else thr
    decision: Decision | None
    try:
        decision = decide(
            tests_failed=tests_failed,
            latency_change=lat,
            p99_change=p99_change,
            throughput_change=thr,
            confirmed=confirmed,
            blocking_removed=blocking_removed,
            measured_verdict=measured_verdict,
        )
    except ValueError:
        if status is None:
            raise ValueError(
                "status: no latency or throughput numbers to decide from; give them, "
                "or --status KEEP/DISCARD, or --blocking-removed"
            ) from None
        decision = None
    final = status.strip().upper() if status else (decision.status if decision else None)
    if final is None:
        reason = decision.reason if decision else ""
        if decision and decision.verdict == "NEEDS_CONFIRMATION" and measured_verdict:
            hint = "compare again with longer runs and pass --confirmed or --noise"
        elif decision and decision.verdict == "NEEDS_CONFIRMATION":
            hint = "re-run and pass --confirmed or --noise"
        else:
            hint = "decide and pass --status KEEP or --status DISCARD"
        verdict = decision.verdict if decision else "undecided"
        raise ValueError(f"status: the rules say {verdict} ({reason}); {hint}")
    ref, _source = _check_concurrency(ws, rows, concurrency, new_baseline)
    _check_complete(ws.results_tsv)

    sha: str | None = None
    tag: str | None = None
    if files and final == "KEEP":
        sha = commit_keep(ws.project, list(files), description, pre_commit=pre_commit)
        tag = tag_milestone(ws.project, every=tag_every)
    row_commit = (sha[:12] if sha else None) or commit or _head(ws.project)
    experiment = Experiment.build(
        commit=row_commit,
        target_test=target_test,
        baseline_latency_ms=baseline_latency_ms,
        optimized_latency_ms=optimized_latency_ms,
        baseline_throughput=baseline_throughput,
        optimized_throughput=optimized_throughput,
        concurrency=concurrency,
        tests_passed=tests_passed,
        tests_failed=tests_failed,
        status=final,
        pattern=pattern,
        description=description,
    )
    experiment = replace(experiment, latency_change=lat, throughput_change=thr)
    number = append_experiment(ws.results_tsv, experiment)

    note = None
    if new_baseline:
        today = f"{datetime.now(UTC):%Y-%m-%d}"
        change = (
            f"concurrency {ref} -> {concurrency}"
            if ref is not None and concurrency is not None and ref != concurrency
            else "same concurrency"
        )
        note = f"- {today}: new baseline from experiment {number} ({change}): {description}"
        locked = load_methodology(ws)
        if locked is not None and concurrency is not None and locked.concurrency != concurrency:
            lock_methodology(
                ws,
                replace(locked, concurrency=concurrency),
                new_baseline=True,
                reason=f"experiment {number}: {description}",
            )
        append_to_section(ws, "Locked methodology", note)
    if new_baseline or not rows:
        note_baseline(ws, number, experiment, replace_placeholder_only=not new_baseline)
    if lesson and lesson.strip():
        append_learning(ws, lesson, kind="worked" if final == "KEEP" else "failed")
    # read back: another process may have appended in the meantime
    all_rows = read_results(ws.results_tsv, strict=False).rows
    state = ledger_status(all_rows)
    refresh_handoff(ws, all_rows, state, workspace_history(ws, all_rows))

    lines = [target_line(number, description, pattern), result_line(number, experiment, decision)]
    if decision is not None and status and decision.status and decision.status != final:
        lines.append(f"[experiment {number}] note: the rules said {decision}")
    if sha:
        lines.append(f"[experiment {number}] committed {sha[:12]} (async: {description})")
    if tag:
        lines.append(f"[milestone] tagged {tag}")
    if note:
        lines.append(f"[baseline] {note[2:]}")
    if (plateau := plateau_line(state)) is not None:
        lines.append(plateau)
    return RecordResult(
        number=number,
        experiment=experiment,
        decision=decision,
        status=state,
        methodology_note=note,
        commit=sha,
        tag=tag,
        lines=tuple(lines),
    )
