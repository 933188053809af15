"""A slow-callback hook: time each callback one event loop runs, keep those over a threshold.

asyncio's ``Handle._run`` is pure Python on the stock loop, so one shared wrapper
is installed while at least one hook is active and dispatches by loop; other loops
(in other threads) pass straight through. uvloop's handles cannot be hooked.
"""

from __future__ import annotations

import asyncio
import threading
import time
from asyncio import events, format_helpers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codeflash_lab.profiling._stack import StackEntry, dominant_stack

__all__ = ["SlowCallback", "SlowCallbackHook"]

_lock = threading.Lock()
_active: dict[int, list[SlowCallbackHook]] = {}
_original: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class SlowCallback:
    """One callback that ran longer than the hook's threshold.

    Attributes:
        start: ``time.perf_counter()`` when it started.
        end: ``time.perf_counter()`` when it returned.
        duration_ms: its run time.
        callback: asyncio's own description of the callback.
        task: the task it stepped (``name: coroutine``), if it was a task step.
        path: the source file of the coroutine or function.
        line: the line the coroutine was suspended at afterwards (or its first line).
        stack: a stack sample taken while it ran (when a sampler was attached), outermost first.
    """

    start: float
    end: float
    duration_ms: float
    callback: str
    task: str | None = None
    path: str | None = None
    line: int | None = None
    stack: tuple[StackEntry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "duration_ms": self.duration_ms,
            "callback": self.callback,
            "task": self.task,
            "path": self.path,
            "line": self.line,
            "stack": [list(e) for e in self.stack],
        }


def _dispatching_run(handle: Any) -> None:
    hooks = _active.get(id(handle._loop))
    original = _original
    assert original is not None
    if not hooks:
        original(handle)
        return
    start = time.perf_counter()
    for hook in hooks:
        hook._seq += 1
        hook.current = (hook._seq, start)
    try:
        original(handle)
    finally:
        end = time.perf_counter()
        for hook in hooks:
            hook.current = None
    for hook in hooks:
        if end - start > hook.threshold_s:
            hook._record(handle, start, end)


class SlowCallbackHook:
    """Time every callback of one loop while installed; keep the slow ones.

    Args:
        loop: the event loop to watch.
        threshold_s: keep callbacks that ran longer than this (seconds).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, threshold_s: float) -> None:
        self.loop = loop
        self.threshold_s = threshold_s
        self._records: list[SlowCallback] = []
        self._seq = 0
        self._stacks: dict[int, list[tuple[StackEntry, ...]]] = {}
        self._fallback: dict[int, tuple[StackEntry, ...]] = {}
        #: ``(sequence number, perf_counter start)`` of the callback running now, if any.
        self.current: tuple[int, float] | None = None

    def attach_stack(
        self, seq: int, stack: tuple[StackEntry, ...], *, bookkeeping: bool = False
    ) -> None:
        """Keep a stack sampled while callback number ``seq`` was running (watchdog thread).

        The watchdog samples repeatedly during a slow callback; the record keeps the
        sample seen most often. A sample inside debug mode's own bookkeeping is kept
        only as a fallback for when no other sample exists.
        """
        if bookkeeping:
            self._fallback.setdefault(seq, stack)
        else:
            samples = self._stacks.setdefault(seq, [])
            if len(samples) < 256:
                samples.append(stack)
        for store in (self._stacks, self._fallback):
            while len(store) > 64:
                store.pop(next(iter(store)))

    @property
    def records(self) -> tuple[SlowCallback, ...]:
        """The slow callbacks seen so far."""
        return tuple(self._records)

    def install(self) -> None:
        """Start timing callbacks of :attr:`loop`."""
        global _original
        with _lock:
            if _original is None:
                _original = events.Handle._run
                events.Handle._run = _dispatching_run  # type: ignore[method-assign,assignment]
            _active.setdefault(id(self.loop), []).append(self)

    def uninstall(self) -> None:
        """Stop timing; the shared wrapper is removed when no hook is left."""
        global _original
        with _lock:
            hooks = _active.get(id(self.loop), [])
            if self in hooks:
                hooks.remove(self)
            if not hooks:
                _active.pop(id(self.loop), None)
            if not _active and _original is not None:
                events.Handle._run = _original  # type: ignore[method-assign,assignment]
                _original = None

    def _record(self, handle: Any, start: float, end: float) -> None:
        callback = handle._callback
        task = getattr(callback, "__self__", None)
        task_text = path = line = None
        if isinstance(task, asyncio.Task):
            coro = task.get_coro()
            task_text = f"{task.get_name()}: {getattr(coro, '__qualname__', type(coro).__name__)}"
            code = getattr(coro, "cr_code", None)
            frame = getattr(coro, "cr_frame", None)
            if code is not None:
                path = code.co_filename
                line = frame.f_lineno if frame is not None else code.co_firstlineno
        else:
            code = getattr(callback, "__code__", None)
            if code is not None:
                path, line = code.co_filename, code.co_firstlineno
        self._records.append(
            SlowCallback(
                start=start,
                end=end,
                duration_ms=(end - start) * 1000.0,
                callback=format_helpers._format_callback_source(handle._callback, handle._args),
                task=task_text,
                path=path,
                line=line,
                stack=dominant_stack(self._stacks.pop(self._seq, []))
                or self._fallback.pop(self._seq, ()),
            )
        )
