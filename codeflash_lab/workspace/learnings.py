"""``learnings.md``: what worked, what failed and what to avoid, read at start and appended."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab.workspace.layout import Workspace

__all__ = ["LEARNING_KINDS", "append_learning", "ensure_learnings", "read_learnings"]

#: The kinds of lesson a line can record.
LEARNING_KINDS: tuple[str, ...] = ("worked", "failed", "avoid")

_HEADER = (
    "# Learnings\n\n"
    "Lessons from earlier sessions on this project, newest last: what worked, what failed,\n"
    "what to avoid. Read it before choosing a target; add a line when you learn something.\n\n"
)


def _ws(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))


def ensure_learnings(workspace: Workspace | str | os.PathLike[str]) -> tuple[Path, bool]:
    """Create learnings.md with a short header when missing; never rewrite one.

    Returns:
        ``(path, created)``.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    ws = _ws(workspace).require()
    path = ws.learnings_md
    if path.exists():
        return path, False
    with _lock(path):
        if path.exists():
            return path, False
        path.write_text(_HEADER, encoding="utf-8")
    return path, True


def read_learnings(workspace: Workspace | str | os.PathLike[str]) -> str:
    """The text of learnings.md (``""`` when there is none)."""
    path = _ws(workspace).learnings_md
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def append_learning(
    workspace: Workspace | str | os.PathLike[str], text: str, *, kind: str = "worked"
) -> Path:
    """Append one dated line ``- YYYY-MM-DD [kind] text`` to learnings.md.

    Args:
        workspace: the project's :class:`Workspace` (or the project folder).
        text: the lesson, one line.
        kind: one of :data:`LEARNING_KINDS`.

    Raises:
        ValueError: ``kind`` is unknown or ``text`` is empty.
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    if kind not in LEARNING_KINDS:
        raise ValueError(f"kind: expected one of {', '.join(LEARNING_KINDS)}, got {kind!r}")
    line = " ".join(text.split())
    if not line:
        raise ValueError("text: the lesson is empty")
    path, _ = ensure_learnings(workspace)
    with _lock(path):
        existing = path.read_bytes()
        prefix = "" if not existing or existing.endswith(b"\n") else "\n"
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"{prefix}- {datetime.now(UTC):%Y-%m-%d} [{kind}] {line}\n")
    return path


def _lock(path: Path) -> Any:
    from filelock import FileLock

    return FileLock(str(path) + ".lock", timeout=30)
