"""``HANDOFF.md``: the session state, a template of ``## `` sections updated one at a time.

Each writer replaces only its own section; every other byte of the file stays
as it was, so hand-written notes in other sections survive. Writes take a file
lock and replace the file atomically.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from codeflash_lab.workspace.layout import Workspace

__all__ = [
    "SECTIONS",
    "append_to_section",
    "ensure_handoff",
    "is_placeholder",
    "read_section",
    "render_handoff",
    "section_titles",
    "update_section",
]

#: The template's sections, in the order a new HANDOFF.md lists them.
SECTIONS: tuple[str, ...] = (
    "Environment",
    "Framework",
    "Locked methodology",
    "Baseline",
    "Ranked targets",
    "Keeps",
    "Discards",
    "Rotation and plateau state",
    "Pre-submit review findings",
    "Next steps",
)

_PLACEHOLDERS: dict[str, str] = {
    "Environment": "_Not discovered yet: run `codeflash-lab init`._",
    "Framework": "_Not discovered yet: run `codeflash-lab init`._",
    "Locked methodology": "_No baseline locked yet._",
    "Baseline": "_No baseline measured yet._",
    "Ranked targets": "_No targets ranked yet: run `codeflash-lab scan` and a profile._",
    "Keeps": "_None yet._",
    "Discards": "_None yet._",
    "Rotation and plateau state": "_No experiments yet._",
    "Pre-submit review findings": "_Review not run yet: run `codeflash-lab review`._",
    "Next steps": "_Measure a baseline, then pick the highest-impact target._",
}

_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _ws(workspace: Workspace | str | os.PathLike[str]) -> Workspace:
    return workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))


def render_handoff(project_name: str, sections: dict[str, str] | None = None) -> str:
    """The text of a new HANDOFF.md: a title, a short note, and every template section.

    Args:
        project_name: shown in the title.
        sections: bodies for some sections; the others get a placeholder line.
    """
    given = {k.strip().lower(): v for k, v in (sections or {}).items()}
    parts = [
        f"# HANDOFF: {project_name}\n",
        "\nWhere the optimization work stands, so the next session can pick it up. "
        "`codeflash-lab init` refreshes Environment and Framework, and every `record` "
        "regenerates Keeps, Discards and Rotation and plateau state from results.tsv; "
        "write your own notes in the other sections.\n",
    ]
    for title in SECTIONS:
        body = given.get(title.lower(), _PLACEHOLDERS[title])
        parts.append(f"\n## {title}\n\n{body.strip()}\n")
    return "".join(parts)


def ensure_handoff(workspace: Workspace | str | os.PathLike[str]) -> tuple[Path, bool]:
    """Create HANDOFF.md from the template when it does not exist; never rewrite one.

    Returns:
        ``(path, created)``.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    ws = _ws(workspace).require()
    path = ws.handoff_md
    with _lock(path):
        if path.exists() and path.stat().st_size > 0:
            return path, False
        _write_atomic(path, render_handoff(ws.project.name))
    return path, True


def _split(text: str) -> list[tuple[str | None, list[str]]]:
    """Cut the text into (title, lines) blocks; the first block (title None) is the preamble."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    in_fence = False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line.rstrip("\r\n"))
        if match:
            blocks.append((match.group(1), [line]))
        else:
            blocks[-1][1].append(line)
    return blocks


def section_titles(text: str) -> list[str]:
    """The ``## `` section titles of a HANDOFF.md text, in file order."""
    return [t for t, _ in _split(text) if t is not None]


def _find(blocks: list[tuple[str | None, list[str]]], title: str) -> int | None:
    key = title.strip().lower()
    for i, (t, _) in enumerate(blocks):
        if t is not None and t.strip().lower() == key:
            return i
    return None


def read_section(workspace: Workspace | str | os.PathLike[str], title: str) -> str | None:
    """The body of section ``title`` (without its heading), or ``None`` when absent."""
    path = _ws(workspace).handoff_md
    if not path.exists():
        return None
    blocks = _split(path.read_text(encoding="utf-8"))
    i = _find(blocks, title)
    if i is None:
        return None
    return "".join(blocks[i][1][1:]).strip()


def _insert_at(blocks: list[tuple[str | None, list[str]]], title: str) -> int:
    """Where a missing section goes: after the nearest earlier template section present."""
    key = title.strip().lower()
    order = [s.lower() for s in SECTIONS]
    if key not in order:
        return len(blocks)
    for earlier in reversed(order[: order.index(key)]):
        i = _find(blocks, earlier)
        if i is not None:
            return i + 1
    for later in order[order.index(key) + 1 :]:
        i = _find(blocks, later)
        if i is not None:
            return i
    return len(blocks)


def update_section(workspace: Workspace | str | os.PathLike[str], title: str, body: str) -> Path:
    """Replace the body of the ``## title`` section of HANDOFF.md, leaving the rest untouched.

    The file is created from the template when missing; a section that is not
    there yet is added (template sections at their template position, others
    at the end). Titles match case-insensitively; headings inside code fences
    are ignored.

    Args:
        workspace: the project's :class:`Workspace` (or the project folder).
        title: the section title without ``## `` (e.g. ``"Pre-submit review findings"``).
        body: the new Markdown body; surrounding blank lines are normalised.

    Returns:
        The path of HANDOFF.md.

    Raises:
        ValueError: ``title`` is empty or spans several lines.
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    return _edit(workspace, title, lambda old: body)


def append_to_section(workspace: Workspace | str | os.PathLike[str], title: str, text: str) -> Path:
    """Add ``text`` at the end of section ``title``, dropping the template placeholder.

    Raises:
        ValueError: ``title`` is empty or spans several lines.
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """

    def combine(old: str | None) -> str:
        keep = "" if old is None or is_placeholder(old) else old.rstrip()
        return f"{keep}\n{text.strip()}" if keep else text.strip()

    return _edit(workspace, title, combine)


def is_placeholder(body: str) -> bool:
    """True when a section body is empty or still the template's placeholder line."""
    stripped = body.strip()
    return stripped in _PLACEHOLDERS.values() or stripped == ""


def _edit(workspace: Workspace | str | os.PathLike[str], title: str, make: Any) -> Path:
    if not title or not title.strip() or "\n" in title:
        raise ValueError(f"title: expected a one-line section title, got {title!r}")
    ws = _ws(workspace).require()
    path = ws.handoff_md
    with _lock(path):
        if path.exists() and path.stat().st_size > 0:
            text = path.read_text(encoding="utf-8")
        else:
            text = render_handoff(ws.project.name)
        blocks = _split(text)
        i = _find(blocks, title)
        old = None if i is None else "".join(blocks[i][1][1:]).strip()
        new_body = str(make(old)).strip() or "_Nothing yet._"
        if i is None:
            heading = f"## {title.strip()}\n"
            i = _insert_at(blocks, title)
            blocks.insert(i, (title.strip(), [heading]))
            prev = blocks[i - 1][1]
            if prev and not prev[-1].endswith("\n"):
                prev[-1] += "\n"
            if prev and prev[-1].strip():
                prev.append("\n")
        heading_line = blocks[i][1][0]
        if not heading_line.endswith("\n"):
            heading_line += "\n"
        trailer = "\n" if i < len(blocks) - 1 else ""
        blocks[i] = (blocks[i][0], [heading_line, "\n", new_body + "\n", trailer])
        _write_atomic(path, "".join("".join(lines) for _, lines in blocks))
    return path


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _lock(path: Path) -> Any:
    from filelock import FileLock

    return FileLock(str(path) + ".lock", timeout=30)
