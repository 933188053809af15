"""Loaded at start-up by Python processes that ``codeflash-lab debug`` runs (stdlib only).

When ``CODEFLASH_LAB_DEBUG_SINK`` names a file, every event loop created gets the
requested slow-callback threshold, and each callback over it is written to that file
as one JSON line with its duration and a stack sample taken while it ran. A project's
own ``sitecustomize`` further down ``sys.path`` is still imported afterwards.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_SINK = os.environ.get("CODEFLASH_LAB_DEBUG_SINK", "")


def _install(sink: str, threshold_s: float) -> None:
    import json
    import threading
    import time
    from asyncio import base_events, events

    lock = threading.Lock()
    running: dict[int, list[Any]] = {}
    state = {"watchdog": False, "loop_written": False}

    def write(doc: dict[str, Any]) -> None:
        doc["pid"] = os.getpid()
        line = json.dumps(doc, default=str) + "\n"
        with lock, open(sink, "a", encoding="utf-8") as fh:
            fh.write(line)

    def stack_of(thread_id: int) -> list[list[Any]]:
        frame = sys._current_frames().get(thread_id)
        out: list[list[Any]] = []
        while frame is not None:
            out.append([frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name])
            frame = frame.f_back
        out.reverse()
        for i in range(len(out) - 1, -1, -1):
            if out[i][2] == "_run" and out[i][0].endswith(os.path.join("asyncio", "events.py")):
                return out[i + 1 :][-40:]
        return out[-40:]

    helpers = os.path.join("asyncio", "format_helpers.py")

    def bookkeeping(stack: list[list[Any]]) -> bool:
        """The sample sits in debug mode's own traceback capture: sample again."""
        return any(str(path).endswith(helpers) for path, _line, _name in stack)

    def dominant(stacks: list[list[list[Any]]]) -> list[list[Any]] | None:
        """The sample whose innermost line was seen most often: where the callback blocked.

        Samples are taken every few milliseconds while a callback runs, so the line it
        spends its time on wins over lines it merely passed (ties go to the later one).
        """
        if not stacks:
            return None
        counts: dict[tuple[str, int], int] = {}
        for st in stacks:
            key = (str(st[-1][0]), int(st[-1][1])) if st else ("", 0)
            counts[key] = counts.get(key, 0) + 1
        best = max(counts.values())
        for st in reversed(stacks):
            key = (str(st[-1][0]), int(st[-1][1])) if st else ("", 0)
            if counts[key] == best:
                return st
        return stacks[-1]

    def watch() -> None:
        poll = max(0.001, min(0.005, threshold_s / 4))
        while True:
            time.sleep(poll)
            now = time.perf_counter()
            for tid, entry in list(running.items()):
                # Re-sample while the callback runs; the latest sample is nearest to
                # where it blocks. Debug mode's own bookkeeping never replaces a good one.
                if now - entry[0] > threshold_s / 2:
                    stack = stack_of(tid)
                    if not bookkeeping(stack):
                        if len(entry[3]) < 256:
                            entry[3].append(stack)
                    elif entry[2] is None:
                        entry[2] = stack

    original_init = base_events.BaseEventLoop.__init__
    original_run = events.Handle._run

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.slow_callback_duration = threshold_s
        if not state["loop_written"]:
            state["loop_written"] = True
            write({"event": "loop"})
        if not state["watchdog"]:
            state["watchdog"] = True
            threading.Thread(target=watch, name="codeflash-lab-debug-watchdog", daemon=True).start()

    def run(self: Any) -> None:
        tid = threading.get_ident()
        entry = [time.perf_counter(), self, None, []]
        outer = running.get(tid)
        running[tid] = entry
        try:
            original_run(self)
        finally:
            took = time.perf_counter() - entry[0]
            if outer is None:
                running.pop(tid, None)
            else:
                running[tid] = outer
            if took >= threshold_s:
                try:
                    handle = base_events._format_handle(self)  # type: ignore[attr-defined]
                except Exception:
                    handle = repr(self)
                write(
                    {
                        "event": "slow-callback",
                        "duration_ms": took * 1000.0,
                        "handle": handle,
                        "stack": dominant(entry[3]) or entry[2] or [],
                    }
                )

    base_events.BaseEventLoop.__init__ = init  # type: ignore[method-assign]
    events.Handle._run = run  # type: ignore[method-assign]


def _chain() -> None:
    """Import the next ``sitecustomize`` on ``sys.path`` (the project's own), if any."""
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    mine = sys.modules.pop("sitecustomize", None)
    try:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
        import sitecustomize  # noqa: F401
    except ImportError:
        pass
    finally:
        sys.path[:] = saved
        if mine is not None:
            sys.modules["sitecustomize"] = mine


if _SINK:
    try:
        _install(_SINK, float(os.environ.get("CODEFLASH_LAB_SLOW_MS", "20")) / 1000.0)
    except Exception as exc:
        sys.stderr.write(f"codeflash-lab: debug hooks not installed: {exc}\n")
_chain()
