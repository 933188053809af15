"""The experiment flow's state: the open experiment on disk, the files it changed, how it
ended, and the git moves that save a change as a patch and put files back.

:mod:`codeflash_lab.experiments.flow` holds the steps; this module holds what they share.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab._git import repo_root, run_git
from codeflash_lab.bench.revisions import snapshot_worktree, uncommitted_files, untracked_files
from codeflash_lab.errors import WorkspaceError
from codeflash_lab.experiments.ledger import RecordResult
from codeflash_lab.verdicts import Ruling
from codeflash_lab.workspace.experiment_record import GuardRun
from codeflash_lab.workspace.layout import Workspace

__all__ = [
    "SESSION_FILE",
    "ExperimentSession",
    "FlowOutcome",
    "changed_files",
    "current",
    "fingerprint",
    "is_ours",
    "require_session",
    "revert_files",
    "save_patch",
    "save_session",
    "tree_of",
    "workspace",
]

SESSION_FILE = "experiment.json"


def workspace(project: Workspace | str | os.PathLike[str]) -> Workspace:
    ws = project if isinstance(project, Workspace) else Workspace(Path(project))
    return ws.require()


def is_ours(name: str) -> bool:
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
        guard_fingerprint: the code the guard ran on (see :func:`fingerprint`).
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
    guard_fingerprint: str | None = None
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
            "guard_fingerprint": self.guard_fingerprint,
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
            guard_fingerprint=doc.get("guard_fingerprint"),
            compare_ref=doc.get("compare_ref"),
            started=str(doc.get("started") or ""),
        )


def save_session(session: ExperimentSession) -> ExperimentSession:
    path = Workspace(session.project).root / SESSION_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(session.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return session


def current(project: Workspace | str | os.PathLike[str]) -> ExperimentSession | None:
    """The open experiment of the project, or ``None``."""
    path = workspace(project).root / SESSION_FILE
    if not path.is_file():
        return None
    try:
        return ExperimentSession.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError) as exc:
        raise WorkspaceError(f"{path}: unreadable open experiment ({exc})") from None


def require_session(
    project_or_session: ExperimentSession | Workspace | str | os.PathLike[str],
) -> ExperimentSession:
    if isinstance(project_or_session, ExperimentSession):
        # the file is the truth: a session object a step returned earlier may be stale
        return current(project_or_session.project) or project_or_session
    session = current(project_or_session)
    if session is None:
        raise WorkspaceError("no open experiment: run 'codeflash-lab experiment start' first")
    return session


def changed_files(session: ExperimentSession) -> list[str]:
    """Files the experiment changed, relative to the repository root (reads only)."""
    tracked = [f for f in uncommitted_files(session.project) if is_ours(f)]
    new = [f for f in untracked_files(session.project) if f not in session.untracked_before]
    return sorted({*tracked, *new})


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


def save_patch(
    ws: Workspace, root: Path, files: list[str], number: int, *, prefix: str = "discard"
) -> Path:
    tracked = [f for f in files if f not in set(untracked_files(root))]
    text = run_git(["diff", "--binary", "HEAD", "--", *tracked], root) if tracked else ""
    for f in sorted(set(files) - set(tracked)):
        text += run_git(["diff", "--no-index", "--binary", "/dev/null", f], root, check=False)
    ws.runs_dir.mkdir(parents=True, exist_ok=True)
    path = ws.runs_dir / f"{prefix}-{number}.patch"
    while path.exists():
        number += 1
        path = ws.runs_dir / f"{prefix}-{number}.patch"
    path.write_text(text, encoding="utf-8")
    return path


def revert_files(root: Path, files: list[str], untracked: set[str]) -> None:
    tracked = [f for f in files if f not in untracked]
    if tracked:
        run_git(["checkout", "HEAD", "--", *tracked], root)
    for f in files:
        if f in untracked:
            (root / f).unlink(missing_ok=True)


def tree_of(repo: str | os.PathLike[str], commit: str) -> str | None:
    """The tree hash of ``commit`` (``None`` when the object is gone)."""
    try:
        return run_git(["rev-parse", "--verify", "--quiet", f"{commit}^{{tree}}"], repo).strip()
    except Exception:
        return None


def fingerprint(session: ExperimentSession) -> str:
    """What the code is now: the tracked files' tree plus the new files' contents.

    Two equal fingerprints mean a guard run or a compare still describes the code.
    """
    root = repo_root(session.project)
    tree = tree_of(root, snapshot_worktree(root)) or ""
    digest = hashlib.sha256(tree.encode())
    for name in sorted(set(untracked_files(root)) - set(session.untracked_before)):
        digest.update(name.encode() + b"\0")
        try:
            digest.update((root / name).read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()[:20]
