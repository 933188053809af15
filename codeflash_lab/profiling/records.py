"""What asyncio debug mode reported, as records: slow callbacks, unawaited coroutines, leaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from codeflash_lab.profiling._render import html_table, text_table
from codeflash_lab.profiling._stack import StackEntry

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_THRESHOLD_MS",
    "KINDS",
    "DebugRecord",
    "DebugReport",
    "check_threshold",
    "no_loop_note",
    "skipped_note",
]

#: Default slow-callback threshold: well above the ~3 ms idle lag floor of a loop.
DEFAULT_THRESHOLD_MS = 20.0

RecordKind = Literal["slow-callback", "never-awaited", "unclosed-resource"]
KINDS: tuple[RecordKind, ...] = ("slow-callback", "never-awaited", "unclosed-resource")

_NO_LOOP_NOTE = "no event loop activity seen: the command never ran an asyncio event loop"


@dataclass(frozen=True)
class DebugRecord:
    """One thing asyncio debug mode reported.

    Attributes:
        kind: ``slow-callback``, ``never-awaited`` or ``unclosed-resource``.
        name: the task/callback, coroutine or resource, as Python described it.
        duration_ms: how long a slow callback held the loop (``None`` for the other kinds).
        path: the source file: where the loop was blocked (from a stack sample) or where the
            coroutine/resource was created, when Python gives it.
        line: the line in ``path``.
        stack: stack sample or creation traceback, outermost first (may be empty).
        message: the first line of Python's own report.
    """

    kind: RecordKind
    name: str
    duration_ms: float | None = None
    path: str | None = None
    line: int | None = None
    stack: tuple[StackEntry, ...] = ()
    message: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}, got {self.kind!r}")

    @property
    def where(self) -> str:
        """``path:line`` (or ``""`` when unknown)."""
        if not self.path:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with at least ``kind, duration_ms, name, path, line``."""
        return {
            "kind": self.kind,
            "duration_ms": self.duration_ms,
            "name": self.name,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "stack": [list(e) for e in self.stack],
        }


@dataclass(frozen=True)
class DebugReport:
    """Everything one debug-mode capture saw.

    Attributes:
        records: slow callbacks, never-awaited coroutines and unclosed resources, in order.
        threshold_ms: the slow-callback threshold used.
        command: the command that ran (empty for an in-process capture).
        exit_code: its exit code (``None`` in process, or when it could not start).
        output_tail: the last lines of its output (kept when it failed).
        loop_seen: whether an event loop ran (``None`` when it could not be told).
        duration_s: wall time of the capture.
        notes: plain-language remarks (no loop seen, command failed, ...).
    """

    records: tuple[DebugRecord, ...]
    threshold_ms: float = DEFAULT_THRESHOLD_MS
    command: tuple[str, ...] = ()
    exit_code: int | None = None
    output_tail: str = ""
    loop_seen: bool | None = None
    duration_s: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def of_kind(self, kind: RecordKind) -> tuple[DebugRecord, ...]:
        """The records of one kind."""
        return tuple(r for r in self.records if r.kind == kind)

    @property
    def slow_callbacks(self) -> tuple[DebugRecord, ...]:
        """Callbacks/task steps that held the loop longer than the threshold."""
        return self.of_kind("slow-callback")

    @property
    def never_awaited(self) -> tuple[DebugRecord, ...]:
        """Coroutines created and dropped without being awaited."""
        return self.of_kind("never-awaited")

    @property
    def unclosed(self) -> tuple[DebugRecord, ...]:
        """Transports, sockets, loops and client sessions that were never closed."""
        return self.of_kind("unclosed-resource")

    @property
    def ok(self) -> bool:
        """The command ran to a zero exit code (in process: the target did not raise)."""
        if self.command:
            return self.exit_code == 0
        return self.exit_code in (None, 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (saved as a ``debug`` run)."""
        return {
            "command": list(self.command),
            "exit_code": self.exit_code,
            "threshold_ms": self.threshold_ms,
            "loop_seen": self.loop_seen,
            "duration_s": self.duration_s,
            "counts": {k: len(self.of_kind(k)) for k in KINDS},
            "records": [r.to_dict() for r in self.records],
            "notes": list(self.notes),
            "output_tail": self.output_tail,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per record: kind, duration_ms, name, path, line, message."""
        import pandas as pd

        cols = ["kind", "duration_ms", "name", "path", "line", "message"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.records], columns=cols)

    def _rows(self) -> list[list[Any]]:
        return [[r.kind, r.duration_ms, r.name, r.where] for r in self.records]

    def _headline(self) -> str:
        counts = ", ".join(f"{len(self.of_kind(k))} {k}" for k in KINDS)
        head = f"asyncio debug mode (slow-callback threshold {self.threshold_ms:g} ms): {counts}"
        if self.command:
            head += f"; exit code {self.exit_code}"
        return head

    def __str__(self) -> str:
        parts = [self._headline()]
        if self.records:
            parts.append(text_table(["kind", "ms", "name", "where"], self._rows()))
        parts.extend(f"note: {n}" for n in self.notes)
        if not self.ok and self.output_tail:
            parts.append("output (last lines):\n" + self.output_tail)
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return html_table(
            ["kind", "ms", "name", "where"],
            self._rows(),
            caption=self._headline(),
            notes=self.notes,
        )


def no_loop_note() -> str:
    """The note a report carries when no event loop ran."""
    return _NO_LOOP_NOTE


def check_threshold(threshold_ms: float) -> float:
    """``threshold_ms`` as a float.

    Raises:
        ValueError: it is not positive.
    """
    if not threshold_ms > 0:
        raise ValueError(f"threshold_ms: expected a positive number, got {threshold_ms!r}")
    return float(threshold_ms)


def skipped_note(count: int) -> str:
    """The note for slow callbacks left out as debug-mode overhead."""
    return (
        f"{count} slow callback(s) left out: sampled inside asyncio debug mode's own "
        "traceback bookkeeping (instrument overhead, not the program)"
    )
