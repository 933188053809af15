"""``setup.md``: discovery's facts as ``- key: value`` lines that other tools read back.

Keys: ``python``, ``runner``, ``test_command``, ``framework``, ``async_deps``
(comma-separated), ``guard_command``, ``pre_commit`` (``yes``/``no``), plus
``python_source`` and ``conventions``. Rewriting the file replaces those keys and
keeps any other ``- key: value`` line a person added.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from codeflash_lab.workspace.conventions import Conventions
from codeflash_lab.workspace.discovery import Discovery
from codeflash_lab.workspace.layout import Workspace

__all__ = ["SETUP_KEYS", "parse_setup_md", "read_setup_md", "render_setup_md", "write_setup_md"]

#: The keys discovery writes, in file order.
SETUP_KEYS: tuple[str, ...] = (
    "python",
    "python_source",
    "runner",
    "test_command",
    "framework",
    "async_deps",
    "guard_command",
    "pre_commit",
    "conventions",
)

_LINE = re.compile(r"^\s*[-*]\s+([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


def _ws(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))


def parse_setup_md(text: str) -> dict[str, str]:
    """Every ``- key: value`` line of a setup.md text (first occurrence of a key wins)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m and m.group(1) not in out:
            out[m.group(1)] = m.group(2).strip("`")
    return out


def read_setup_md(workspace: Workspace | str | os.PathLike[str]) -> dict[str, str]:
    """The facts of ``.codeflash/setup.md`` (empty when it does not exist)."""
    path = _ws(workspace).setup_md
    if not path.exists():
        return {}
    return parse_setup_md(path.read_text(encoding="utf-8", errors="replace"))


def _values(discovery: Discovery, conventions: Conventions) -> dict[str, str]:
    source = "none"
    if conventions.source is not None:
        source = f"{conventions.source} ({conventions.scope})"
    return {
        "python": discovery.python,
        "python_source": discovery.python_source,
        "runner": discovery.runner,
        "test_command": discovery.test_command or "none",
        "framework": discovery.framework,
        "async_deps": ", ".join(discovery.async_deps) or "none",
        "guard_command": conventions.guard_command or "none",
        "pre_commit": "yes" if discovery.pre_commit else "no",
        "conventions": source,
    }


def render_setup_md(
    discovery: Discovery, conventions: Conventions, extra: dict[str, str] | None = None
) -> str:
    """The text of setup.md for these facts, plus ``extra`` keys kept from an older file."""
    values = _values(discovery, conventions)
    lines = [
        f"# Setup: {discovery.project.name}",
        "",
        "Written by `codeflash-lab init` from the project's files. Re-running init rewrites",
        "the keys below; other `- key: value` lines you add are kept.",
        "",
    ]
    lines += [f"- {k}: {values[k]}" for k in SETUP_KEYS]
    lines += [f"- {k}: {v}" for k, v in (extra or {}).items() if k not in values]
    return "\n".join(lines) + "\n"


def write_setup_md(
    workspace: Workspace | str | os.PathLike[str],
    discovery: Discovery,
    conventions: Conventions,
) -> Path:
    """Write setup.md, keeping keys a person added to an existing one.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    ws = _ws(workspace).require()
    extra = {k: v for k, v in read_setup_md(ws).items() if k not in SETUP_KEYS}
    text = render_setup_md(discovery, conventions, extra)
    tmp = ws.setup_md.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(ws.setup_md)
    return ws.setup_md
