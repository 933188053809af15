"""``setup.md``: discovery's facts as ``- key: value`` lines that other tools read back.

Keys: ``python``, ``interpreter`` (the project's own Python) and
``interpreter_version``, ``environment`` (where that interpreter came from), ``runner``,
``test_command``, ``framework``, ``async_deps`` (comma-separated), ``guard_command``,
``pre_commit`` (``yes``/``no``), plus ``python_source`` and ``conventions``.

Rewriting the file keeps any other ``- key: value`` line a person added. The values
init generated last are kept in ``.codeflash/generated.json``; a key is rewritten only
while its text still equals that value, so a hand-fixed value survives a re-run.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from codeflash_lab.workspace.conventions import Conventions
from codeflash_lab.workspace.discovery import Discovery
from codeflash_lab.workspace.layout import Workspace

__all__ = [
    "GENERATED_JSON",
    "SETUP_KEYS",
    "SetupWrite",
    "parse_setup_md",
    "read_setup_md",
    "render_setup_md",
    "write_setup_md",
]

#: Name of the file (in ``.codeflash/``) holding the values init generated last.
GENERATED_JSON = "generated.json"

#: The keys discovery writes, in file order.
SETUP_KEYS: tuple[str, ...] = (
    "python",
    "python_source",
    "interpreter",
    "interpreter_version",
    "environment",
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
    env = discovery.interpreter
    return {
        "python": discovery.python,
        "python_source": discovery.python_source,
        "interpreter": env.path if env else "none",
        "interpreter_version": (env.version or "unknown") if env else "unknown",
        "environment": f"{env.source} ({env.reason})" if env else "none",
        "runner": discovery.runner,
        "test_command": discovery.test_command or "none",
        "framework": discovery.framework,
        "async_deps": ", ".join(discovery.async_deps) or "none",
        "guard_command": conventions.guard_command or "none",
        "pre_commit": "yes" if discovery.pre_commit else "no",
        "conventions": source,
    }


def _render(name: str, values: dict[str, str], extra: dict[str, str] | None) -> str:
    lines = [
        f"# Setup: {name}",
        "",
        "Written by `codeflash-lab init` from the project's files. Re-running init updates a",
        "key below only while it still holds the value init wrote; edit one and it is kept.",
        "Other `- key: value` lines you add are kept too.",
        "",
    ]
    lines += [f"- {k}: {values[k]}" for k in SETUP_KEYS]
    lines += [f"- {k}: {v}" for k, v in (extra or {}).items() if k not in values]
    return "\n".join(lines) + "\n"


def render_setup_md(
    discovery: Discovery, conventions: Conventions, extra: dict[str, str] | None = None
) -> str:
    """The text of setup.md for these facts, plus ``extra`` keys kept from an older file."""
    return _render(discovery.project.name, _values(discovery, conventions), extra)


@dataclass(frozen=True)
class SetupWrite:
    """What writing setup.md did.

    Attributes:
        path: the file.
        values: the discovery keys as they are now in the file.
        kept: keys a person edited, left as they were, with the value discovery found.
    """

    path: Path
    values: dict[str, str]
    kept: dict[str, str]

    def kept_lines(self) -> list[str]:
        """One line per kept key: its value in force and what discovery found."""
        return [
            f"kept {k}: {self.values[k]!r} (edited by hand; discovery found {found!r})"
            for k, found in self.kept.items()
        ]


def _last_generated(ws: Workspace) -> dict[str, str] | None:
    path = ws.root / GENERATED_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None


def write_setup_md(
    workspace: Workspace | str | os.PathLike[str],
    discovery: Discovery,
    conventions: Conventions,
) -> SetupWrite:
    """Write setup.md without undoing anything a person wrote in it.

    A discovery key is rewritten when it is missing, when its text equals the value
    init generated last (``.codeflash/generated.json``) or when it already equals the
    new value; otherwise it is kept as it is and reported. With no record of earlier
    values (a file from an older version), a differing value is kept.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    ws = _ws(workspace).require()
    old = read_setup_md(ws)
    last = _last_generated(ws)
    new = _values(discovery, conventions)
    values: dict[str, str] = {}
    kept: dict[str, str] = {}
    for key in SETUP_KEYS:
        untouched = last is not None and old.get(key) == last.get(key)
        if key not in old or old[key] == new[key] or untouched:
            values[key] = new[key]
        else:
            values[key] = old[key]
            kept[key] = new[key]
    extra = {k: v for k, v in old.items() if k not in SETUP_KEYS}
    _replace(ws.setup_md, _render(discovery.project.name, values, extra))
    _replace(ws.root / GENERATED_JSON, json.dumps(new, indent=2) + "\n")
    return SetupWrite(ws.setup_md, values, kept)


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
