"""Measuring child: the event-loop lag probe, with stall stacks and slow-callback timing.

Standard library only, Python 3.9+. The same probe as ``codeflash_lab.profiling.lag``:
one task sleeps ``interval_s`` again and again and records how late it wakes; a
watchdog thread samples the loop thread's stack while a stall is happening, and with
``hook`` every callback over the threshold is timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import sysconfig
import threading
import time
from asyncio import events
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    Stack = list[list[Any]]  # [path, line, function], outermost first

_HERE = os.path.dirname(os.path.abspath(__file__))
_EVENTS = os.path.join("asyncio", "events.py")


def _library_roots() -> tuple[str, ...]:
    roots = {_HERE}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(os.path.realpath(path))
    return tuple(sorted(roots))


_ROOTS = _library_roots()


def is_library_path(path: str) -> bool:
    """True for the standard library, installed packages and this child's own files."""
    if not path or path.startswith("<"):
        return True
    real = os.path.realpath(path)
    parts = real.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    return any(real == r or real.startswith(r + os.sep) for r in _ROOTS)


def sample_stack(thread_id: int, limit: int = 40) -> Stack:
    """The thread's stack as ``[path, line, function]``, outermost first, below the loop."""
    frame = sys._current_frames().get(thread_id)
    out: Stack = []
    while frame is not None:
        out.append([frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name])
        frame = frame.f_back
    out.reverse()
    for i in range(len(out) - 1, -1, -1):
        if out[i][2] == "_run" and out[i][0].endswith(_EVENTS):
            return out[i + 1 :][-limit:]
    return out[-limit:]


def is_selector_poll(stack: Stack) -> bool:
    """True when the loop is idle in its selector (or between polls): no culprit there."""
    run_once = os.path.join("asyncio", "base_events.py")
    return any(name == "_run_once" and path.endswith(run_once) for path, _l, name in stack[-2:])


def user_frame(stack: Stack) -> list[Any] | None:
    """The innermost frame of the project's own code, or ``None``."""
    for entry in reversed(stack):
        if not is_library_path(entry[0]):
            return entry
    return None


def describe_task(task: asyncio.Task[Any] | None) -> str | None:
    if task is None:
        return None
    coro = task.get_coro()
    qualname = getattr(coro, "__qualname__", None) or type(coro).__name__
    return f"{task.get_name()}: {qualname}"


def _stall(
    t_s: float, lag_ms: float, stack: Stack, task: asyncio.Task[Any] | None
) -> dict[str, Any]:
    where = user_frame(stack)
    return {
        "t_s": t_s,
        "lag_ms": lag_ms,
        "task": describe_task(task),
        "callback": f"{stack[0][2]} ({stack[0][0]}:{stack[0][1]})" if stack else None,
        "path": where[0] if where else None,
        "line": where[1] if where else None,
        "duration_ms": None,
        "stack": stack,
    }


class LagProbe:
    """Measure how late the loop wakes a sleeping probe task (use as ``async with``)."""

    def __init__(
        self,
        interval_s: float = 0.01,
        threshold_ms: float = 20.0,
        sample_stacks: bool = False,
        hook: bool = False,
    ) -> None:
        self.interval_s = float(interval_s)
        self.threshold_ms = float(threshold_ms)
        self.sample_stacks = sample_stacks
        self.hook = hook
        self.times: list[float] = []
        self.lags: list[float] = []
        self.samples: list[tuple[float, dict[str, Any]]] = []  # (wake the stall followed, stall)
        self.slow: list[dict[str, Any]] = []
        self.start = self.end = self.last_wake = self.asleep_since = 0.0
        self._task: asyncio.Task[None] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._current: list[Any] | None = None  # hook: [start, stacks] of the callback running now
        self._original: Any = None

    async def __aenter__(self) -> LagProbe:
        loop = asyncio.get_running_loop()
        self.start = self.last_wake = self.asleep_since = time.perf_counter()
        if self.hook:
            self._install()
        self._task = loop.create_task(self._probe())
        if self.sample_stacks or self.hook:
            self._thread = threading.Thread(
                target=self._watch, args=(threading.get_ident(), loop), daemon=True
            )
            self._thread.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.end = now = time.perf_counter()
        late_ms = (now - self.asleep_since - self.interval_s) * 1000.0
        if late_ms > self.threshold_ms:  # a stall ran up to the exit: count it
            self.times.append(now - self.start)
            self.lags.append(late_ms)
        task = self._task
        if task is not None:
            task.cancel()
        self._stop.set()
        if self._original is not None:
            events.Handle._run = self._original  # type: ignore[method-assign]
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    async def _probe(self) -> None:
        interval, clock = self.interval_s, time.perf_counter
        while True:
            before = self.asleep_since = clock()
            await asyncio.sleep(interval)
            now = clock()
            self.last_wake = now
            self.times.append(now - self.start)
            self.lags.append(max(0.0, (now - before - interval) * 1000.0))

    def _install(self) -> None:
        original = self._original = events.Handle._run
        threshold_s = self.threshold_ms / 1000.0
        probe = self

        def run(handle: Any) -> None:
            entry = probe._current = [time.perf_counter(), []]
            try:
                original(handle)
            finally:
                end = time.perf_counter()
                probe._current = None
                took = end - entry[0]
                if took >= threshold_s:
                    stack = entry[1][-1] if entry[1] else []
                    where = user_frame(stack)
                    cb = getattr(handle, "_callback", None)
                    task = getattr(cb, "__self__", None)
                    probe.slow.append({
                        "start": entry[0], "end": end, "duration_ms": took * 1000.0,
                        "callback": repr(handle),
                        "task": describe_task(task) if isinstance(task, asyncio.Task) else None,
                        "path": where[0] if where else None,
                        "line": where[1] if where else None,
                        "stack": stack,
                    })  # fmt: skip

        events.Handle._run = run  # type: ignore[method-assign,assignment]

    def _watch(self, loop_thread: int, loop: asyncio.AbstractEventLoop) -> None:
        poll = max(0.001, min(0.005, self.threshold_ms / 4000.0))
        limit = self.interval_s + self.threshold_ms / 2000.0
        sampled_for = -1.0
        while not self._stop.wait(poll):
            now = time.perf_counter()
            current = self._current
            busy = current is not None and now - current[0] > self.threshold_ms / 2000.0
            if busy and current is not None and len(current[1]) < 64:
                current[1].append(sample_stack(loop_thread))
            if not self.sample_stacks:
                continue
            last = self.last_wake
            if now - last <= limit or last == sampled_for:
                continue
            stack = sample_stack(loop_thread)
            if not stack or is_selector_poll(stack):
                continue  # sample again at the next poll: the stall may not have begun
            task = asyncio.current_task(loop) if not loop.is_closed() else None
            sampled_for = last
            late_s = now - last - self.interval_s
            self.samples.append((last, _stall(now - self.start, late_s * 1000.0, stack, task)))

    def result(self) -> dict[str, Any]:
        """The ``LagResult``-shaped dict: samples, stalls with their culprits, slow callbacks."""
        n = min(len(self.times), len(self.lags))
        samples = [[self.times[i], self.lags[i]] for i in range(n)]
        stalls: list[dict[str, Any]] = []
        for i, (t_s, lag_ms) in enumerate(samples):
            if lag_ms <= self.threshold_ms:
                continue
            previous = self.start + (samples[i - 1][0] if i else 0.0)
            woke = self.start + t_s
            found = next((s for last, s in self.samples if abs(last - previous) < 1e-6), None)
            hooked = [c for c in self.slow if previous <= c["end"] <= woke]
            culprit = max(hooked, key=lambda c: c["duration_ms"]) if hooked else None
            stall = dict(found) if found else _stall(t_s, lag_ms, [], None)
            stall["t_s"], stall["lag_ms"] = t_s, lag_ms
            if culprit is not None:
                stall["duration_ms"] = culprit["duration_ms"]
                for key in ("task", "path", "line"):
                    stall[key] = stall[key] or culprit[key]
                stall["callback"] = stall["callback"] or culprit["callback"]
                if not stall["stack"]:
                    stall["stack"] = culprit["stack"]
            stalls.append(stall)
        return {
            "interval_s": self.interval_s,
            "threshold_ms": self.threshold_ms,
            "duration_s": (self.end or time.perf_counter()) - self.start,
            "samples": samples,
            "stall_list": stalls,
            "slow_callbacks": self.slow,
        }
