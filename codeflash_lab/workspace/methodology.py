"""The methodology lock: measurement settings fixed at baseline time.

Changing concurrency, op count, warm-up, mode, loop, debug flags or profiler
clock in the middle of an experiment series makes the numbers incomparable, so
the first baseline locks them in ``.codeflash/methodology.json``; later
measurements with other settings are refused, saying what differs, unless the
caller asks for a new baseline (kept in the file's history).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab.errors import MethodologyError, WorkspaceError
from codeflash_lab.workspace.layout import Workspace

__all__ = ["Methodology", "check_methodology", "load_methodology", "lock_methodology"]


@dataclass(frozen=True, slots=True)
class Methodology:
    """The settings a baseline is measured with; every later measurement must match.

    Attributes:
        target: what is measured (``module:function``, ``file.py:function`` or a URL).
        concurrency: operations in flight (closed loop).
        ops: measured operations per run (``None`` when the run is by duration).
        duration_s: measured seconds per run (``None`` when the run is by op count).
        warmup: warm-up, as ops (int) or seconds (float), discarded.
        mode: ``"closed"`` or ``"open"``.
        rate: arrivals per second in open mode, else ``None``.
        loop: event-loop implementation, ``"asyncio"`` or ``"uvloop"``.
        debug: asyncio debug mode on during timing (it should not be).
        profiler_clock: yappi clock type used in the profiling pass (``"wall"``).
    """

    target: str
    concurrency: int
    ops: int | None = None
    duration_s: float | None = None
    warmup: float = 0.5
    mode: str = "closed"
    rate: float | None = None
    loop: str = "asyncio"
    debug: bool = False
    profiler_clock: str = "wall"

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency: must be at least 1, got {self.concurrency}")
        if self.mode not in ("closed", "open"):
            raise ValueError(f"mode: expected 'closed' or 'open', got {self.mode!r}")
        if self.loop not in ("asyncio", "uvloop"):
            raise ValueError(f"loop: expected 'asyncio' or 'uvloop', got {self.loop!r}")

    @property
    def id(self) -> str:
        """A short stable hash of the settings (the ``methodology id`` saved with runs)."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Methodology:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def differences(self, other: Methodology) -> list[str]:
        """Human-readable ``name: locked -> requested`` lines for every differing setting."""
        out = []
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if a != b:
                out.append(f"{f.name}: locked {a!r}, requested {b!r}")
        return out


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise WorkspaceError(f"{path}: not valid JSON ({exc}); fix or delete it") from exc
    if not isinstance(data, dict) or "locked" not in data:
        raise WorkspaceError(f"{path}: no 'locked' methodology in it; fix or delete it")
    return data


def load_methodology(workspace: Workspace) -> Methodology | None:
    """The locked methodology, or ``None`` when no baseline has been locked yet."""
    data = _read(workspace.methodology_json)
    return None if data is None else Methodology.from_dict(data["locked"])


def check_methodology(workspace: Workspace, requested: Methodology) -> None:
    """Raise when ``requested`` differs from the locked methodology (no lock: nothing to check).

    Raises:
        MethodologyError: the settings differ; the message lists each difference.
    """
    locked = load_methodology(workspace)
    if locked is None or locked == requested:
        return
    if locked.target != requested.target:
        return  # a different target has its own series; only same-target runs must match
    diffs = locked.differences(requested)
    raise MethodologyError(
        "settings differ from the locked baseline methodology ("
        + "; ".join(diffs)
        + "). Use the locked settings, or record a new baseline (--new-baseline)"
    )


def lock_methodology(
    workspace: Workspace, methodology: Methodology, *, new_baseline: bool = False, reason: str = ""
) -> tuple[Methodology, bool]:
    """Lock ``methodology`` as the baseline's settings.

    With no lock yet, it becomes the lock. With the same settings, nothing changes.
    With different settings it raises unless ``new_baseline`` is true, in which
    case the old lock moves to the file's ``history``.

    Returns:
        ``(locked, changed)``: the methodology now locked, and whether a new
        baseline replaced a different one (the caller notes that in HANDOFF.md).

    Raises:
        MethodologyError: different settings without ``new_baseline``.
    """
    path = workspace.methodology_json
    data = _read(path)
    now = datetime.now(UTC).isoformat()
    if data is not None:
        locked = Methodology.from_dict(data["locked"])
        if locked == methodology:
            return locked, False
        if not new_baseline:
            check_methodology(workspace, methodology)
            if locked.target != methodology.target:
                raise MethodologyError(
                    f"a baseline is locked for {locked.target!r}; locking {methodology.target!r} "
                    "needs a new baseline (--new-baseline)"
                )
        history = list(data.get("history", []))
        history.append({**data["locked"], "replaced": now, "reason": reason})
        doc = {
            "locked": methodology.to_dict(),
            "id": methodology.id,
            "since": now,
            "history": history,
        }
        changed = True
    else:
        doc = {"locked": methodology.to_dict(), "id": methodology.id, "since": now, "history": []}
        changed = False
    workspace.root.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return methodology, changed
