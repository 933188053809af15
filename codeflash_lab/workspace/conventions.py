"""``conventions.md``: maintainer preferences; the project's file overrides the org-level one.

The file is free text. One line may name a guard command, a check that must
pass before a change is kept, written ``guard: make check`` or
``- guard_command: `pytest -x tests/smoke` ``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeflash_lab.workspace.layout import Workspace

__all__ = ["Conventions", "load_conventions", "parse_guard_command"]

_GUARD = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*)?guard(?:[ _-]command)?(?:\*\*)?\s*:\s*(.+?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Conventions:
    """The conventions in force for a project.

    Attributes:
        text: the file's text (``""`` when there is none).
        source: the file read (project ``.codeflash/conventions.md`` or the org-level
            ``../conventions.md``), or ``None``.
        guard_command: the guard command it names, or ``None``.
    """

    text: str
    source: Path | None
    guard_command: str | None

    @property
    def scope(self) -> str:
        """``project``, ``org`` or ``none``."""
        if self.source is None:
            return "none"
        return "project" if self.source.parent.name == ".codeflash" else "org"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "source": None if self.source is None else str(self.source),
            "scope": self.scope,
            "guard_command": self.guard_command,
            "text": self.text,
        }


def parse_guard_command(text: str) -> str | None:
    """The guard command named in a conventions text, or ``None``.

    Args:
        text: the conventions file's text.

    Returns:
        The command without surrounding backticks or quotes; the first one wins.
    """
    m = _GUARD.search(text)
    if not m:
        return None
    command = m.group(1).strip().strip("`").strip().strip("'\"").strip()
    return command or None


def load_conventions(workspace: Workspace | str | os.PathLike[str]) -> Conventions:
    """Read the project's conventions, falling back to the org-level ``../conventions.md``.

    A project file replaces the org-level one as a whole (no merging).
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
    for path in (ws.conventions_md, ws.org_conventions_md):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            return Conventions(text=text, source=path, guard_command=parse_guard_command(text))
    return Conventions(text="", source=None, guard_command=None)
