"""One record per experiment: the journal entry while it is recorded, the sidecar after.

A record is one JSON document with one shape for its whole life:

- ``.codeflash/pending/<id>.json`` while the experiment is being recorded (the
  journal entry: written under the ledger lock before the first change, rewritten
  after each step, so an interrupted record can be finished or rolled back);
- ``.codeflash/experiments/<id>.json`` once it is done (the sidecar: the evidence
  behind the results.tsv row, which keeps its 14 columns).

The id is a hash of what makes the experiment itself (target, numbers, description,
files and the HEAD it started from), so a retry of the same record finds the same id
and does nothing twice.

Fields (all JSON-ready; unknown fields are kept on load):

``id``, ``state`` (``pending``/``done``/``rolled-back``), ``created``, ``target``,
``pattern``, ``description``, ``head_before``, ``files``, ``numbers`` (the row's numbers
plus ``p99_change``), ``ruling`` (:class:`~codeflash_lab.verdicts.Ruling` as a dict),
``status`` (what results.tsv says), ``guard`` (:class:`GuardRun` as a dict, or ``None``
when no guard ran), ``steps`` (``commit``, ``row``, ``handoff``, ``reverted``, ``patch``:
what has been done so far).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.verdicts import Ruling
from codeflash_lab.workspace.layout import Workspace

__all__ = [
    "RECORD_SCHEMA",
    "ExperimentRecord",
    "GuardRun",
    "experiment_id",
    "experiments_dir",
    "find_record",
    "finish_record",
    "pending_dir",
    "pending_records",
    "remove_pending",
    "write_pending",
]

RECORD_SCHEMA = 1
STATES = ("pending", "done", "rolled-back")


def pending_dir(ws: Workspace) -> Path:
    """``.codeflash/pending/``: journal entries of records in progress."""
    return ws.root / "pending"


def experiments_dir(ws: Workspace) -> Path:
    """``.codeflash/experiments/``: one sidecar per recorded experiment."""
    return ws.root / "experiments"


@dataclass(frozen=True, slots=True)
class GuardRun:
    """One run of the project's test command (the guard), read from a machine format.

    Attributes:
        command: the command as run (argv joined for display).
        ran: the command ran to a result (``False``: it could not start or gave no report).
        passed: tests passed.
        failed: tests failed (failures and errors).
        skipped: tests skipped.
        duration_s: wall time of the command.
        source: where the counts were read from (``junit-xml``, ``report-log``), or the
            reason there are none.
        python: the interpreter that ran it.
        failures: ids of the failing tests (``module::test``), at most 50.
    """

    command: str
    ran: bool
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    duration_s: float = 0.0
    source: str = ""
    python: str | None = None
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """The guard ran and nothing failed."""
        return self.ran and self.failed == 0

    def summary(self) -> str:
        """``tests: 12 passed, 0 failed in 3.4 s (python -m pytest -q)`` or why none ran."""
        if not self.ran:
            return f"tests not run: {self.source or 'no result'} ({self.command})"
        if self.source.startswith("exit-code"):
            outcome = "passed" if self.failed == 0 else "failed"
            return f"tests: {outcome} by exit code only in {self.duration_s:.1f} s ({self.command})"
        return (
            f"tests: {self.passed} passed, {self.failed} failed, {self.skipped} skipped "
            f"in {self.duration_s:.1f} s ({self.command})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "ran": self.ran,
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "duration_s": self.duration_s,
            "source": self.source,
            "python": self.python,
            "failures": list(self.failures),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> GuardRun:
        return cls(
            command=str(doc.get("command", "")),
            ran=bool(doc.get("ran")),
            passed=int(doc.get("passed") or 0),
            failed=int(doc.get("failed") or 0),
            skipped=int(doc.get("skipped") or 0),
            duration_s=float(doc.get("duration_s") or 0.0),
            source=str(doc.get("source") or ""),
            python=doc.get("python"),
            failures=tuple(str(f) for f in doc.get("failures") or ()),
        )


def experiment_id(
    *,
    target: str,
    numbers: Mapping[str, Any],
    description: str,
    files: Iterable[str],
    head: str | None,
) -> str:
    """A stable 16-hex id of one experiment (same inputs, same id)."""
    doc = {
        "target": target,
        "numbers": {k: numbers[k] for k in sorted(numbers)},
        "description": description,
        "files": sorted(files),
        "head": head,
    }
    raw = json.dumps(doc, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class ExperimentRecord:
    """One experiment's record (see the module docstring for the fields)."""

    id: str
    target: str
    pattern: str
    description: str
    ruling: Ruling | None
    status: str | None
    numbers: Mapping[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    head_before: str | None = None
    guard: GuardRun | None = None
    steps: Mapping[str, Any] = field(default_factory=dict)
    state: str = "pending"
    created: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"state: expected one of {STATES}, got {self.state!r}")

    def step(self, **done: Any) -> ExperimentRecord:
        """A copy with more steps marked done (``commit=sha``, ``row=7``, ``handoff=True``)."""
        return replace(self, steps={**self.steps, **done})

    def to_dict(self) -> dict[str, Any]:
        doc = dict(self.extra)
        doc.update(
            {
                "schema": RECORD_SCHEMA,
                "id": self.id,
                "state": self.state,
                "created": self.created or datetime.now(UTC).isoformat(),
                "target": self.target,
                "pattern": self.pattern,
                "description": self.description,
                "head_before": self.head_before,
                "files": list(self.files),
                "numbers": dict(self.numbers),
                "ruling": None if self.ruling is None else self.ruling.to_dict(),
                "status": self.status,
                "guard": None if self.guard is None else self.guard.to_dict(),
                "steps": dict(self.steps),
            }
        )
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ExperimentRecord:
        """Inverse of :meth:`to_dict`.

        Raises:
            ValueError: a required field is missing or malformed.
        """
        known = {
            "schema", "id", "state", "created", "target", "pattern", "description",
            "head_before", "files", "numbers", "ruling", "status", "guard", "steps",
        }  # fmt: skip
        try:
            return cls(
                id=str(doc["id"]),
                target=str(doc["target"]),
                pattern=str(doc.get("pattern") or ""),
                description=str(doc.get("description") or ""),
                ruling=Ruling.from_dict(doc["ruling"]) if doc.get("ruling") else None,
                status=doc.get("status"),
                numbers=dict(doc.get("numbers") or {}),
                files=tuple(doc.get("files") or ()),
                head_before=doc.get("head_before"),
                guard=GuardRun.from_dict(doc["guard"]) if doc.get("guard") else None,
                steps=dict(doc.get("steps") or {}),
                state=str(doc.get("state") or "pending"),
                created=str(doc.get("created") or ""),
                extra={k: v for k, v in doc.items() if k not in known},
            )
        except KeyError as exc:
            raise ValueError(f"missing field {exc}") from None


def _write_atomic(path: Path, doc: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> ExperimentRecord:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        return ExperimentRecord.from_dict(doc)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise WorkspaceError(f"{where}: unreadable experiment record ({exc})") from None


def write_pending(ws: Workspace, record: ExperimentRecord) -> Path:
    """Write (or rewrite) the journal entry of a record in progress."""
    path = pending_dir(ws) / f"{record.id}.json"
    _write_atomic(path, replace(record, state="pending").to_dict())
    return path


def finish_record(ws: Workspace, record: ExperimentRecord) -> Path:
    """Write the sidecar (``state`` ``done`` unless rolled back), then drop the journal entry."""
    state = "rolled-back" if record.state == "rolled-back" else "done"
    path = experiments_dir(ws) / f"{record.id}.json"
    _write_atomic(path, replace(record, state=state).to_dict())
    remove_pending(ws, record.id)
    return path


def remove_pending(ws: Workspace, record_id: str) -> None:
    """Drop a journal entry (no error when it is gone already)."""
    (pending_dir(ws) / f"{record_id}.json").unlink(missing_ok=True)


def pending_records(ws: Workspace) -> list[ExperimentRecord]:
    """Journal entries left behind by records that did not finish, oldest first.

    Raises:
        WorkspaceError: an entry cannot be read (the message names the file).
    """
    folder = pending_dir(ws)
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))
    return [_read(p) for p in paths if not p.name.startswith(".tmp-")]


def find_record(ws: Workspace, record_id: str) -> ExperimentRecord | None:
    """The finished sidecar of ``record_id``, else its journal entry, else ``None``."""
    for folder in (experiments_dir(ws), pending_dir(ws)):
        path = folder / f"{record_id}.json"
        if path.is_file():
            return _read(path)
    return None
