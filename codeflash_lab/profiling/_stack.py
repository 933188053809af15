"""Stack samples as plain data: take one from a live frame, trim the event-loop plumbing."""

from __future__ import annotations

import os
import sys
import sysconfig
import types
from functools import cache

__all__ = [
    "StackEntry",
    "dominant_stack",
    "in_debug_bookkeeping",
    "is_library_path",
    "is_selector_poll",
    "sample_stack",
    "user_frame",
]

#: One frame of a stack sample: (file path, line number, function name).
StackEntry = tuple[str, int, str]


@cache
def _library_roots() -> tuple[str, ...]:
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(os.path.realpath(path))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        roots.add(os.path.realpath(os.path.join(prefix, "lib")))
    return tuple(sorted(roots))


def is_library_path(path: str) -> bool:
    """True for the standard library, installed packages and ``<frozen ...>`` pseudo-files."""
    if not path or path.startswith("<"):
        return True
    real = os.path.realpath(path)
    if "site-packages" in real.split(os.sep) or "dist-packages" in real.split(os.sep):
        return True
    return any(real == root or real.startswith(root + os.sep) for root in _library_roots())


def sample_stack(frame: types.FrameType | None, *, limit: int = 40) -> tuple[StackEntry, ...]:
    """The frames of a (possibly other thread's) live stack, outermost first.

    Frames from the event loop's own machinery (``run_forever``, ``_run_once``,
    ``Handle._run``) are dropped: the sample starts at the callback that was running.

    Args:
        frame: the innermost frame (``sys._current_frames()[thread_id]``).
        limit: keep at most this many innermost frames.

    Returns:
        ``(path, line, function)`` tuples, outermost first.
    """
    entries: list[StackEntry] = []
    f = frame
    while f is not None:
        code = f.f_code
        entries.append((code.co_filename, f.f_lineno or code.co_firstlineno, code.co_name))
        f = f.f_back
    entries.reverse()
    # Drop everything up to and including asyncio's Handle._run (the callback runner).
    for i in range(len(entries) - 1, -1, -1):
        path, _line, name = entries[i]
        if name == "_run" and path.endswith(os.path.join("asyncio", "events.py")):
            entries = entries[i + 1 :]
            break
    return tuple(entries[-limit:])


def user_frame(stack: tuple[StackEntry, ...]) -> StackEntry | None:
    """The innermost frame outside the standard library and installed packages, if any."""
    for entry in reversed(stack):
        if not is_library_path(entry[0]):
            return entry
    return stack[-1] if stack else None


def is_selector_poll(stack: tuple[StackEntry, ...]) -> bool:
    """True when the sample shows the event loop idle: waiting in its selector, or between polls.

    That is the innermost frame (or its caller) being ``BaseEventLoop._run_once``: no
    callback is running, so nothing in the program blocks the loop. On a busy machine
    the loop thread can be descheduled right there, and the probe wakes late; such a
    sample names no culprit. (A ``select`` called from a callback is a real stall and
    keeps its frames: the callback sits between it and ``_run_once``.)
    """
    run_once = os.path.join("asyncio", "base_events.py")
    return any(name == "_run_once" and path.endswith(run_once) for path, _line, name in stack[-2:])


def in_debug_bookkeeping(stack: tuple[StackEntry, ...]) -> bool:
    """True when the sample landed in asyncio debug mode's own traceback capture.

    Debug mode records where every handle, future and task was created; on a cold or
    busy process that bookkeeping alone can exceed a 20 ms threshold. Such a callback
    measures the instrument, not the program.
    """
    return any(
        path.endswith(os.path.join("asyncio", "format_helpers.py")) for path, _l, _n in stack
    )


def dominant_stack(stacks: list[tuple[StackEntry, ...]]) -> tuple[StackEntry, ...]:
    """The sample whose innermost line was seen most often: where a callback blocked.

    Samples are taken every few milliseconds while a slow callback runs, so the line
    it spends its time on wins over lines it merely passed; ties go to the later one.
    """
    if not stacks:
        return ()
    counts: dict[tuple[str, int], int] = {}
    for stack in stacks:
        key = stack[-1][:2] if stack else ("", 0)
        counts[key] = counts.get(key, 0) + 1
    best = max(counts.values())
    for stack in reversed(stacks):
        if counts[stack[-1][:2] if stack else ("", 0)] == best:
            return stack
    return stacks[-1]
