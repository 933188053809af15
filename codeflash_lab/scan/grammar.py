"""Files written for a newer Python than the scanner runs on.

When a file does not parse and the project requires a newer Python than the running
one, the file is not broken: it needs that grammar. It is reported as "needs Python
>= X" and counted apart, never as a syntax error. Parsing it in the project's own
interpreter would need that interpreter to be newer than this one; when none is found
the reason says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["needs_newer_message", "project_interpreter_note"]


def needs_newer_message(target: tuple[int, int], detail: str, note: str) -> str:
    """The one line shown for a file that needs the project's newer grammar."""
    ours = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return (
        f"needs Python >= {target[0]}.{target[1]} (the project requires it; the scanner runs "
        f"{ours}): not scanned ({detail}); {note}"
    )


def project_interpreter_note(root: Path | None, target: tuple[int, int]) -> str:
    """Why the file was not parsed in the project's interpreter instead."""
    if root is None:
        return "no project folder, so no project interpreter to parse it with"
    try:
        from codeflash_lab.workspace.interpreter import find_interpreter

        found = find_interpreter(root)
    except (OSError, ValueError) as exc:
        return f"the project's interpreter could not be found ({exc})"
    try:
        version = tuple(int(p) for p in found.version.split(".")[:2])
    except ValueError:
        version = (0, 0)
    if version >= target and version > sys.version_info[:2]:
        return (
            f"the project's Python {found.version} ({found.path}) could parse it; scanning "
            "in another interpreter is not supported yet"
        )
    return (
        f"skipped parsing in the project's interpreter: it is Python {found.version} "
        f"({found.path}), not >= {target[0]}.{target[1]}"
    )
