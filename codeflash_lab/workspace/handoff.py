"""``HANDOFF.md``: the session state, a template of ``## `` sections updated one at a time.

Each writer replaces only its own section; every other byte of the file stays
as it was, so hand-written notes in other sections survive. Writes take a file
lock and replace the file atomically.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.workspace.layout import Workspace

__all__ = [
    "SECTIONS",
    "append_to_section",
    "check_handoff",
    "ensure_handoff",
    "fold_text",
    "handoff_lock",
    "is_placeholder",
    "read_handoff",
    "read_section",
    "render_handoff",
    "section_titles",
    "update_section",
    "update_sections",
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


def fold_text(text: object) -> str:
    """One line of display text: line breaks and tabs fold to a space, other control
    characters are escaped (``\\x1b``), so free text can never start a heading, a list
    or a code fence in HANDOFF.md, nor move a terminal's cursor."""
    out: list[str] = []
    for ch in str(text):
        if ch in "\r\n\t\v\f\u2028\u2029\x85":
            out.append(" ")
        elif unicodedata.category(ch) == "Cc":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def read_handoff(path: Path) -> str:
    """The text of HANDOFF.md (``""`` when missing).

    Raises:
        WorkspaceError: the file is not UTF-8 (the message names the file and the line).
    """
    if not path.exists():
        return ""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise WorkspaceError(
            f"{path}:{line}: not UTF-8 text (byte 0x{bad}: {exc.reason}); re-save the file as UTF-8"
        ) from None


def check_handoff(workspace: Workspace | str | os.PathLike[str]) -> None:
    """Check that HANDOFF.md can be read and rewritten (done before a record writes anything).

    Raises:
        WorkspaceError: it is not UTF-8 (naming file and line), or not a regular file.
    """
    path = _ws(workspace).handoff_md
    if path.exists() and not path.is_file():
        raise WorkspaceError(f"{path}: not a regular file")
    read_handoff(path)


def handoff_lock(workspace: Workspace | str | os.PathLike[str]) -> Any:
    """The lock every HANDOFF.md writer takes (re-entrant inside one process)."""
    return _lock(_ws(workspace).handoff_md)


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
    blocks = _split(read_handoff(path))
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
    return _edit(workspace, {title: lambda old: body})


def update_sections(
    workspace: Workspace | str | os.PathLike[str], bodies: Mapping[str, str]
) -> Path:
    """Replace several sections in one locked, atomic write (see :func:`update_section`)."""
    return _edit(workspace, {t: _constant(b) for t, b in bodies.items()})


def _constant(body: str) -> Callable[[str | None], str]:
    return lambda old: body


def append_to_section(workspace: Workspace | str | os.PathLike[str], title: str, text: str) -> Path:
    """Add ``text`` at the end of section ``title``, dropping the template placeholder.

    Raises:
        ValueError: ``title`` is empty or spans several lines.
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """

    def combine(old: str | None) -> str:
        keep = "" if old is None or is_placeholder(old) else old.rstrip()
        return f"{keep}\n{text.strip()}" if keep else text.strip()

    return _edit(workspace, {title: combine})


def is_placeholder(body: str) -> bool:
    """True when a section body is empty or still the template's placeholder line."""
    stripped = body.strip()
    return stripped in _PLACEHOLDERS.values() or stripped == ""


def _edit(
    workspace: Workspace | str | os.PathLike[str],
    edits: Mapping[str, Callable[[str | None], str]],
) -> Path:
    for title in edits:
        if not title or not title.strip() or "\n" in title:
            raise ValueError(f"title: expected a one-line section title, got {title!r}")
    ws = _ws(workspace).require()
    path = ws.handoff_md
    with _lock(path):
        text = read_handoff(path) if path.exists() and path.stat().st_size > 0 else ""
        blocks = _split(text or render_handoff(ws.project.name))
        for title, make in edits.items():
            _replace_body(blocks, title, make)
        _write_atomic(path, "".join("".join(lines) for _, lines in blocks))
    return path


def _replace_body(
    blocks: list[tuple[str | None, list[str]]], title: str, make: Callable[[str | None], str]
) -> None:
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
    from codeflash_lab.workspace.locks import file_lock

    return file_lock(Path(str(path) + ".lock"))
