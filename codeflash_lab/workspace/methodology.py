"""The methodology lock: measurement settings fixed at baseline time.

Changing concurrency, op count, warm-up, mode, loop, debug flags or profiler
clock in the middle of an experiment series makes the numbers incomparable, so
the first measured baseline of a target locks them in ``.codeflash/methodology.json``
(whether it came from the CLI, the API or a notebook); later measurements of that
target with other settings are refused, saying what differs, unless the caller
asks for a new baseline (kept in the file's history).

The file is the one source the report, HANDOFF.md and the notebooks read::

    {"locked": {...}, "id": "...", "since": "...", "history": [...],
     "targets": {"<other target>": {"locked": {...}, "id": "...", "since": "..."}}}

``locked`` is the first target's lock (the file's original shape); each further
target measured in the project has its own entry under ``targets``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab.errors import MethodologyError, WorkspaceError
from codeflash_lab.workspace.layout import Workspace

__all__ = [
    "HANDOFF_SECTION",
    "Methodology",
    "check_methodology",
    "load_locks",
    "load_methodology",
    "lock_entries",
    "lock_if_unlocked",
    "lock_methodology",
    "methodology_markdown",
    "sync_handoff_lock",
]

#: The HANDOFF.md section that shows the lock.
HANDOFF_SECTION = "Locked methodology"


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
        engine: what generated the load, ``"builtin"`` or ``"locust"`` (left out of the id
            when ``"builtin"``, so locks taken before the field existed keep their ids).
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
    engine: str = "builtin"

    def __post_init__(self) -> None:
        if self.engine not in ("builtin", "locust"):
            raise ValueError(f"engine: expected 'builtin' or 'locust', got {self.engine!r}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency: must be at least 1, got {self.concurrency}")
        if self.mode not in ("closed", "open"):
            raise ValueError(f"mode: expected 'closed' or 'open', got {self.mode!r}")
        if self.loop not in ("asyncio", "uvloop"):
            raise ValueError(f"loop: expected 'asyncio' or 'uvloop', got {self.loop!r}")

    @property
    def id(self) -> str:
        """A short stable hash of the settings (the ``methodology id`` saved with runs)."""
        fields_ = asdict(self)
        if fields_["engine"] == "builtin":
            del fields_["engine"]
        blob = json.dumps(fields_, sort_keys=True).encode()
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


def _entries(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every target's lock entry (``locked``, ``id``, ``since``), the first target first."""
    first = Methodology.from_dict(data["locked"])
    out = {first.target: {k: data.get(k) for k in ("locked", "id", "since", "via", "run")}}
    others = data.get("targets")
    for target, entry in (others if isinstance(others, dict) else {}).items():
        if isinstance(entry, dict) and isinstance(entry.get("locked"), dict):
            out.setdefault(str(target), entry)
    return out


def load_locks(workspace: Workspace) -> dict[str, Methodology]:
    """Every locked target's methodology, the first locked target first (empty: none yet)."""
    data = _read(workspace.methodology_json)
    if data is None:
        return {}
    return {t: Methodology.from_dict(e["locked"]) for t, e in _entries(data).items()}


def load_methodology(workspace: Workspace, target: str | None = None) -> Methodology | None:
    """The locked methodology, or ``None`` when no baseline has been locked yet.

    Args:
        workspace: the project's workspace.
        target: the lock of this target (``None``: the first target's lock).
    """
    locks = load_locks(workspace)
    if target is None:
        return next(iter(locks.values()), None)
    return locks.get(target)


def check_methodology(workspace: Workspace, requested: Methodology) -> None:
    """Raise when ``requested`` differs from its target's lock (no lock: nothing to check).

    Raises:
        MethodologyError: the settings differ; the message lists each difference.
    """
    locked = load_methodology(workspace, requested.target)
    if locked is None or locked == requested:
        return
    diffs = locked.differences(requested)
    raise MethodologyError(
        "settings differ from the locked baseline methodology ("
        + "; ".join(diffs)
        + f"). Use the locked settings (.codeflash/methodology.json, target {requested.target!r}), "
        "or declare a new baseline: `codeflash-lab record --new-baseline` for a new "
        "concurrency, lock_methodology(..., new_baseline=True) from Python"
    )


def lock_methodology(
    workspace: Workspace,
    methodology: Methodology,
    *,
    new_baseline: bool = False,
    reason: str = "",
    via: str = "",
    run: str | None = None,
) -> tuple[Methodology, bool]:
    """Lock ``methodology`` as the baseline settings of its target.

    A target with no lock yet gets one. With the same settings, nothing changes.
    With different settings it raises unless ``new_baseline`` is true, in which
    case the old lock moves to the file's ``history``. HANDOFF.md's "Locked
    methodology" section is rewritten from the file when HANDOFF.md exists.

    Args:
        workspace: the project's workspace.
        methodology: the settings to lock.
        new_baseline: replace a different lock of the same target.
        reason: why a lock was replaced (kept in the history).
        via: what locked it (``"bench"``, ``"notebook"``, ``"demo"``), shown beside it.
        run: the saved measurement that locked it, if any.

    Returns:
        ``(locked, changed)``: the methodology now locked, and whether a new
        baseline replaced a different one (the caller notes that in HANDOFF.md).

    Raises:
        MethodologyError: different settings without ``new_baseline``.
    """
    path = workspace.methodology_json
    data = _read(path)
    now = datetime.now(UTC).isoformat()
    entry: dict[str, Any] = {"locked": methodology.to_dict(), "id": methodology.id, "since": now}
    if via:
        entry["via"] = via
    if run:
        entry["run"] = run
    changed = False
    if data is None:
        doc: dict[str, Any] = {**entry, "history": []}
    else:
        current = _entries(data).get(methodology.target)
        if current is not None:
            locked = Methodology.from_dict(current["locked"])
            if locked == methodology:
                return locked, False
            if not new_baseline:
                check_methodology(workspace, methodology)
            history = list(data.get("history", []))
            history.append({**current["locked"], "replaced": now, "reason": reason})
            data["history"] = history
            changed = True
        doc = data
        if Methodology.from_dict(data["locked"]).target == methodology.target:
            for key in ("via", "run"):
                doc.pop(key, None)
            doc.update(entry)
        else:
            doc["targets"] = {**(data.get("targets") or {}), methodology.target: entry}
    workspace.root.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    sync_handoff_lock(workspace)
    return methodology, changed


def lock_if_unlocked(
    workspace: Workspace, methodology: Methodology, *, via: str = "", run: str | None = None
) -> bool:
    """Lock ``methodology`` when its target has no lock yet (the first measured baseline).

    Returns:
        Whether this call locked it.
    """
    if load_methodology(workspace, methodology.target) is not None:
        return False
    lock_methodology(workspace, methodology, via=via, run=run)
    return True


def _describe(m: Methodology) -> str:
    size = f"{m.ops} ops" if m.ops else f"{m.duration_s:g} s" if m.duration_s else "default size"
    mode = f"open loop at {m.rate:g}/s" if m.mode == "open" and m.rate else f"{m.mode} loop"
    return (
        f"{mode}, concurrency {m.concurrency}, {size} per run, warm-up {m.warmup:g}, "
        f"{m.loop}{', debug on' if m.debug else ''}"
        + (", load from Locust" if m.engine == "locust" else "")
    )


def lock_entries(workspace: Workspace) -> list[dict[str, Any]]:
    """One dict per locked target, the first locked first: ``target``, ``id``, ``since``,
    ``via``, ``run``, ``settings`` (the locked fields) and ``words`` (them in a line)."""
    data = _read(workspace.methodology_json)
    if data is None:
        return []
    out = []
    for target, entry in _entries(data).items():
        m = Methodology.from_dict(entry["locked"])
        out.append(
            {
                "target": target,
                "id": str(entry.get("id") or m.id),
                "since": str(entry.get("since") or ""),
                "via": str(entry.get("via") or ""),
                "run": str(entry.get("run") or ""),
                "settings": m.to_dict(),
                "words": _describe(m),
            }
        )
    return out


def methodology_markdown(workspace: Workspace) -> str | None:
    """HANDOFF.md's lock lines, read from ``methodology.json`` (``None``: nothing locked)."""
    entries = lock_entries(workspace)
    if not entries:
        return None
    lines = []
    for e in entries:
        since = e["since"][:16].replace("T", " ")
        by = f" by {e['via']}" if e["via"] else ""
        lines.append(
            f"- `{e['target']}`: id `{e['id']}`, {e['words']}"
            + (f" (locked {since} UTC{by})" if since else "")
        )
    history = (_read(workspace.methodology_json) or {}).get("history") or []
    if history:
        lines.append(f"- {len(history)} earlier lock(s) replaced by a new baseline (see the file).")
    return (
        "From `.codeflash/methodology.json` (the one file the report and notebooks read):\n\n"
        + "\n".join(lines)
    )


_NOTE = re.compile(r"^- \d{4}-\d{2}-\d{2}: ")


def sync_handoff_lock(workspace: Workspace) -> None:
    """Rewrite HANDOFF.md's lock section from ``methodology.json`` (no HANDOFF.md: nothing).

    Dated notes already in the section (``- 2026-01-02: new baseline ...``) stay.
    """
    from codeflash_lab.workspace.handoff import read_section, update_section

    if not workspace.handoff_md.exists():
        return
    body = methodology_markdown(workspace)
    if body is None:
        return
    notes = [
        line for line in (read_section(workspace, HANDOFF_SECTION) or "").splitlines()
        if _NOTE.match(line)
    ]  # fmt: skip
    update_section(workspace, HANDOFF_SECTION, "\n".join([body, *notes]) if notes else body)
