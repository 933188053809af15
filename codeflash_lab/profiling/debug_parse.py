"""Turn asyncio debug-mode text (logs, warnings, our JSON sink) into :class:`DebugRecord` s.

Pure functions over strings: no processes, no event loops.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from codeflash_lab.profiling._stack import (
    StackEntry,
    in_debug_bookkeeping,
    is_library_path,
    user_frame,
)
from codeflash_lab.profiling.records import DebugRecord

__all__ = [
    "describe_handle",
    "parse_output",
    "parse_sink",
]

_SLOW = re.compile(r"Executing (?P<handle><.*>) took (?P<secs>\d+(?:\.\d+)?) seconds")
_NEVER = re.compile(
    r"(?:(?P<path>[^\s:][^:\n]*?):(?P<line>\d+): )?RuntimeWarning: "
    r"coroutine '(?P<name>[^']+)' was never awaited"
)
_UNCLOSED = re.compile(
    r"(?:(?P<path>[^\s:][^:\n]*?):(?P<line>\d+): )?ResourceWarning: "
    r"(?P<what>unclosed (?:transport |event loop |socket|file )?.*)"
)
_SESSION = re.compile(r"^\s*(?:\S+:)*\s*(?P<what>Unclosed (?:client session|connector))\b")
_FILE_LINE = re.compile(
    r'^\s*File "(?P<path>[^"]+)", line(?:no)? (?P<line>\d+)(?:, in (?P<func>\S+))?'
)
_TASK = re.compile(
    r"name='(?P<task>[^']*)' coro=<(?P<coro>[^>]*?)\(\) "
    r"(?:running|done, defined) at (?P<path>[^<>]+?):(?P<line>\d+)>"
)
_HANDLE = re.compile(r"<(?:Timer)?Handle (?P<cb>.+?\)) at (?P<path>[^<>]+?):(?P<line>\d+)")
_ORIGIN_HEADERS = ("Coroutine created at", "Object allocated at")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def describe_handle(handle: str) -> tuple[str, str | None, int | None]:
    """Name, path and line of a callback or task as asyncio's ``_format_handle`` prints it.

    For a task step, the path/line are where the task's outermost coroutine is suspended.

    Args:
        handle: the ``<Task ...>`` / ``<Handle ...>`` text.

    Returns:
        ``(name, path, line)``; path and line are ``None`` when the text has none.
    """
    task = _TASK.search(handle)
    if task:
        return f"{task['task']}: {task['coro']}()", task["path"], int(task["line"])
    cb = _HANDLE.search(handle)
    if cb:
        return cb["cb"], cb["path"], int(cb["line"])
    return handle[:200], None, None


def _traceback_after(lines: list[str], start: int) -> tuple[tuple[StackEntry, ...], int]:
    """Read a 'created at'/'allocated at' traceback that begins after ``lines[start]``."""
    i = start + 1
    # Python prints the warning's own source line (indented) before the traceback header.
    if i < len(lines) and lines[i].startswith("  ") and not _FILE_LINE.match(lines[i]):
        i += 1
    if i < len(lines) and lines[i].strip().startswith(_ORIGIN_HEADERS):
        i += 1
    elif not (i < len(lines) and _FILE_LINE.match(lines[i])):
        return (), start
    frames: list[StackEntry] = []
    while i < len(lines):
        m = _FILE_LINE.match(lines[i])
        if m:
            frames.append((m["path"], int(m["line"]), m["func"] or ""))
            i += 1
            continue
        if lines[i].startswith("    ") and frames:
            i += 1  # the source text of the previous frame
            continue
        break
    return tuple(frames), i - 1


def _place(
    path: str | None, line: str | None, origin: tuple[StackEntry, ...]
) -> tuple[str | None, int | None]:
    """The most useful location: a user frame of the origin, else the warning's own place.

    A location inside the standard library, an installed package or codeflash_lab itself
    (where the garbage collector happened to run) says nothing about the program: dropped.
    """
    if origin:
        where = user_frame(origin)
        if where is not None and not _is_noise(where[0]):
            return where[0], where[1]
    if path and not _is_noise(path):
        return path, int(line) if line else None
    return None, None


def _is_noise(path: str) -> bool:
    if path == "sys":  # emitted while the interpreter shuts down
        return True
    return is_library_path(path) or Path(path).resolve().is_relative_to(_PACKAGE_DIR)


def parse_output(text: str, *, include_slow: bool = True) -> list[DebugRecord]:
    """Records found in a program's output (stderr/stdout interleaved).

    Recognises asyncio's ``Executing <...> took N seconds`` reports, ``coroutine '...' was
    never awaited`` warnings (with the "Coroutine created at" traceback debug mode adds),
    ``ResourceWarning: unclosed ...`` (with tracemalloc's "Object allocated at" block when
    enabled) and aiohttp's "Unclosed client session"/"Unclosed connector" messages.

    Args:
        text: the output.
        include_slow: also turn slow-callback log lines into records (off when a richer
            source, the JSON sink, already holds them).

    Returns:
        The records, in the order they appear.
    """
    lines = text.splitlines()
    out: list[DebugRecord] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        slow = _SLOW.search(raw)
        never = _NEVER.search(raw)
        unclosed = _UNCLOSED.search(raw)
        session = _SESSION.search(raw)
        if slow and include_slow:
            name, path, line = describe_handle(slow["handle"])
            out.append(
                DebugRecord(
                    kind="slow-callback",
                    name=name,
                    duration_ms=float(slow["secs"]) * 1000.0,
                    path=path,
                    line=line,
                    message=raw.strip()[:500],
                )
            )
        elif never:
            origin, i = _traceback_after(lines, i)
            path, line = _place(never["path"], never["line"], origin)
            out.append(
                DebugRecord(
                    kind="never-awaited",
                    name=never["name"],
                    path=path,
                    line=line,
                    stack=origin,
                    message=f"coroutine '{never['name']}' was never awaited",
                )
            )
        elif unclosed or session:
            what = (unclosed["what"] if unclosed else session["what"]).strip()  # type: ignore[index]
            origin, i = _traceback_after(lines, i)
            path, line = _place(
                unclosed["path"] if unclosed else None,
                unclosed["line"] if unclosed else None,
                origin,
            )
            out.append(
                DebugRecord(
                    kind="unclosed-resource",
                    name=what[:200],
                    path=path,
                    line=line,
                    stack=origin,
                    message=what[:500],
                )
            )
        i += 1
    return out


def parse_sink(lines: Iterable[str]) -> tuple[list[DebugRecord], bool, int]:
    """Records from the JSON lines written by the child-process hooks.

    Args:
        lines: the sink file's lines.

    Returns:
        ``(slow-callback records, whether any event loop was created, how many slow
        callbacks were left out because their stack sample sat in debug mode's own
        bookkeeping)``.
    """
    records: list[DebugRecord] = []
    loop_seen = False
    skipped = 0
    for raw in lines:
        try:
            doc: dict[str, Any] = json.loads(raw)
        except ValueError:
            continue
        if doc.get("event") == "loop":
            loop_seen = True
        elif doc.get("event") == "slow-callback":
            loop_seen = True
            stack = tuple((str(p), int(n), str(f)) for p, n, f in doc.get("stack") or ())
            if in_debug_bookkeeping(stack):
                skipped += 1
                continue
            name, path, line = describe_handle(str(doc.get("handle", "")))
            where = user_frame(stack) if stack else None
            if where is not None:
                path, line = where[0], where[1]
            records.append(
                DebugRecord(
                    kind="slow-callback",
                    name=name,
                    duration_ms=float(doc.get("duration_ms", 0.0)),
                    path=path,
                    line=line,
                    stack=stack,
                    message=f"Executing {str(doc.get('handle', ''))[:400]}",
                )
            )
    return records, loop_seen, skipped
