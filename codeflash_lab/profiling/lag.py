"""Event-loop lag monitor: one probe task measures scheduling delay; stalls get a culprit.

The probe sleeps ``interval_s`` in a loop and records how late it wakes. A small
watchdog thread notices a stall while it is still happening and keeps sampling the
loop thread's stack until the probe wakes, so a stall names the task and source line
that blocked the loop (the line seen most often; samples of the idle loop waiting in
its selector, which a busy machine produces, name nothing).
With ``hook=True`` every callback on the monitored loop is also timed (exact
durations, at a cost of roughly 15-40% on callback-heavy loops: not for timing runs).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from codeflash_lab.profiling._hook import SlowCallback, SlowCallbackHook
from codeflash_lab.profiling._stack import (
    StackEntry,
    in_debug_bookkeeping,
    is_selector_poll,
    sample_stack,
)
from codeflash_lab.profiling._stall import StallSamples, describe_task, stall_from_stack
from codeflash_lab.profiling._sync import run_sync
from codeflash_lab.profiling.lag_result import LagResult, Stall, lag_result_from_dict

__all__ = [
    "IDLE_LAG_FLOOR_MS",
    "LagMonitor",
    "LagResult",
    "Stall",
    "lag_result_from_dict",
    "monitor_callable",
    "monitor_target",
]

#: Lag an idle asyncio loop shows anyway on a 2-vCPU VM (p99 about 2 ms, max about 3 ms).
IDLE_LAG_FLOOR_MS = 3.0


class LagMonitor:
    """Measure event-loop scheduling delay around a block of async code.

    Use it on the running loop::

        async with LagMonitor(threshold_ms=20) as mon:
            await work()
        print(mon.result())

    Args:
        interval_s: the probe's sleep between samples (seconds).
        threshold_ms: lag that counts as a stall; keep it well above the idle floor
            (:data:`IDLE_LAG_FLOOR_MS`): 10-20 ms.
        sample_stacks: run the watchdog thread that samples the loop thread's stack
            during a stall (cheap: it sleeps between checks and takes the GIL briefly).
        hook: also time every callback on this loop (exact culprit and duration; costs
            time per callback, so leave it off while timing a benchmark).

    Raises:
        ValueError: ``interval_s`` or ``threshold_ms`` is not positive.
    """

    def __init__(
        self,
        interval_s: float = 0.01,
        threshold_ms: float = 20.0,
        *,
        sample_stacks: bool = True,
        hook: bool = False,
    ) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval_s: expected a positive number, got {interval_s!r}")
        if not threshold_ms > 0:
            raise ValueError(f"threshold_ms: expected a positive number, got {threshold_ms!r}")
        self.interval_s = float(interval_s)
        self.threshold_ms = float(threshold_ms)
        self.sample_stacks = sample_stacks
        self.hook = hook
        self._times: list[float] = []
        self._lags: list[float] = []
        self._start = 0.0
        self._end: float | None = None
        self._last_wake = 0.0
        self._asleep_since = 0.0
        self._task: asyncio.Task[None] | None = None
        self._watchdog: threading.Thread | None = None
        self._stop = threading.Event()
        self._samples: dict[float, StallSamples] = {}
        self._hook: SlowCallbackHook | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __aenter__(self) -> LagMonitor:
        if self._task is not None:
            raise RuntimeError("LagMonitor is already running")
        self._loop = asyncio.get_running_loop()
        self._start = self._last_wake = self._asleep_since = time.perf_counter()
        self._end = None
        if self.hook:
            self._hook = SlowCallbackHook(self._loop, self.threshold_ms / 1000.0)
            self._hook.install()
        self._task = self._loop.create_task(self._probe(), name="codeflash-lab-lag-probe")
        if self.sample_stacks:
            self._stop.clear()
            self._watchdog = threading.Thread(
                target=self._watch,
                args=(threading.get_ident(), self._loop),
                name="codeflash-lab-lag-watchdog",
                daemon=True,
            )
            self._watchdog.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._hook is not None:
                # End the current step so the hook times the code just before the exit too.
                await asyncio.sleep(0)
        finally:
            task, self._task = self._task, None
            self._end = now = time.perf_counter()
            late_ms = (now - self._asleep_since - self.interval_s) * 1000.0
            if task is not None and late_ms > self.threshold_ms:
                # The probe is overdue right now: a stall ran up to the exit; count it.
                self._last_wake = now
                self._times.append(now - self._start)
                self._lags.append(late_ms)
            if task is not None:
                task.cancel()
            self._stop.set()
            if self._hook is not None:
                self._hook.uninstall()
        if task is not None:
            await asyncio.wait({task})
        if self._watchdog is not None:
            self._watchdog.join(timeout=1.0)
            self._watchdog = None

    async def _probe(self) -> None:
        interval = self.interval_s
        clock = time.perf_counter
        while True:
            before = self._asleep_since = clock()
            await asyncio.sleep(interval)
            now = clock()
            self._last_wake = now
            self._times.append(now - self._start)
            self._lags.append(max(0.0, (now - before - interval) * 1000.0))

    def _watch(self, loop_thread: int, loop: asyncio.AbstractEventLoop) -> None:
        """Watchdog thread: sample the loop thread's stack while a stall is in progress."""
        poll = max(0.001, min(0.005, self.threshold_ms / 4000.0))
        limit = self.interval_s + self.threshold_ms / 2000.0  # half the threshold: sample early
        hook = self._hook
        while not self._stop.wait(poll):
            now = time.perf_counter()
            current = hook.current if hook is not None else None
            if current is not None and now - current[1] > self.threshold_ms / 2000.0:
                # Keep sampling while the callback runs: the line seen most often is
                # where it blocks (a single early sample can catch the step just
                # resuming when the machine is busy).
                stack = self._stack_of(loop_thread)
                if stack and hook is not None:
                    hook.attach_stack(current[0], stack, bookkeeping=in_debug_bookkeeping(stack))
                continue
            last = self._last_wake
            if now - last <= limit:
                continue
            # Every poll until the probe wakes: the first sample of a late wake-up can
            # land on the idle loop (descheduled in its selector) before the callback
            # that really blocks it starts.
            stack = self._stack_of(loop_thread)
            if not stack or is_selector_poll(stack):
                continue
            task = asyncio.current_task(loop) if not loop.is_closed() else None
            self._samples.setdefault(last, StallSamples()).add(stack, describe_task(task))

    @staticmethod
    def _stack_of(thread_id: int) -> tuple[StackEntry, ...]:
        frame = sys._current_frames().get(thread_id)
        return sample_stack(frame) if frame is not None else ()

    def result(self) -> LagResult:
        """The measurements so far (final once the ``async with`` block has exited)."""
        end = self._end if self._end is not None else time.perf_counter()
        n = min(len(self._times), len(self._lags))
        times, lags = self._times[:n], self._lags[:n]
        samples = tuple(zip(times, lags, strict=True))
        slow = self._hook.records if self._hook is not None else ()
        stalls = tuple(
            self._stall_at(i, samples, slow)
            for i, (_t, lag) in enumerate(samples)
            if lag > self.threshold_ms
        )
        return LagResult(
            interval_s=self.interval_s,
            threshold_ms=self.threshold_ms,
            duration_s=end - self._start,
            samples=samples,
            stalls=stalls,
            slow_callbacks=tuple(slow),
        )

    def _stall_at(
        self, i: int, samples: tuple[tuple[float, float], ...], slow: tuple[SlowCallback, ...]
    ) -> Stall:
        t_s, lag_ms = samples[i]
        woke = self._start + t_s
        previous = self._start + (samples[i - 1][0] if i else 0.0)
        found = next((s for last, s in self._samples.items() if abs(last - previous) < 1e-6), None)
        best = found.dominant() if found is not None else None
        hooked = [c for c in slow if previous <= c.end <= woke]
        culprit = max(hooked, key=lambda c: c.duration_ms) if hooked else None
        stall = (
            stall_from_stack(t_s, lag_ms / 1000.0, best[0], None, task_text=best[1])
            if best is not None
            else Stall(t_s=t_s, lag_ms=lag_ms)
        )
        if culprit is not None and culprit.stack and not stall.stack:
            stall = stall_from_stack(t_s, lag_ms / 1000.0, culprit.stack, None)
        return Stall(
            t_s=t_s,
            lag_ms=lag_ms,
            task=stall.task or (culprit.task if culprit else None),
            callback=stall.callback or (culprit.callback if culprit else None),
            path=stall.path or (culprit.path if culprit else None),
            line=stall.line or (culprit.line if culprit else None),
            duration_ms=culprit.duration_ms if culprit else None,
            stack=stall.stack,
        )


def monitor_callable(
    func: Callable[..., Awaitable[Any]],
    *args: Any,
    duration_s: float = 1.0,
    interval_s: float = 0.01,
    threshold_ms: float = 20.0,
    hook: bool = False,
    **kwargs: Any,
) -> LagResult:
    """Await ``func`` again and again for about ``duration_s`` on a fresh loop, under a monitor.

    Works from a script and inside Jupyter (the loop then runs in a worker thread). An
    exception stops the calls; the lag measured until then is kept.

    Args:
        func: the async callable.
        *args: positional arguments for it.
        duration_s: how long to keep calling it (it runs at least once).
        interval_s: the probe's sleep between samples.
        threshold_ms: lag that counts as a stall.
        hook: time every callback too (see :class:`LagMonitor`).
        **kwargs: keyword arguments for it.

    Returns:
        The :class:`LagResult`.

    Raises:
        ValueError: ``duration_s`` is negative (or a monitor argument is bad).
    """
    if duration_s < 0:
        raise ValueError(f"duration_s: expected 0 or more, got {duration_s!r}")
    monitor = LagMonitor(interval_s, threshold_ms, hook=hook)

    async def main() -> LagResult:
        async with monitor:
            end = time.perf_counter() + duration_s
            try:
                while True:
                    await func(*args, **kwargs)
                    if time.perf_counter() >= end:
                        break
            except Exception:  # the lag up to the failure is still worth reporting
                pass
        return monitor.result()

    return run_sync(main)


def monitor_target(
    spec: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    duration_s: float = 1.0,
    interval_s: float = 0.01,
    threshold_ms: float = 20.0,
    hook: bool = False,
    python: str | None = None,
) -> LagResult:
    """Like :func:`monitor_callable`, for a target spec run in the project's interpreter.

    The target is called again and again for about ``duration_s`` by the measuring child
    under the same probe (stall stacks sampled; with ``hook``, callbacks timed).

    Args:
        spec: ``package.module:function`` or ``path/to/file.py:function``.
        cwd: folder the target is resolved from.
        duration_s: how long to keep calling it (it runs at least once).
        interval_s: the probe's sleep between samples.
        threshold_ms: lag that counts as a stall.
        hook: time every callback too.
        python: the interpreter (default: the project's, found from ``cwd``).

    Raises:
        ValueError: a bad duration, interval or threshold.
        TargetError: the target cannot be imported or is not an async callable.
        MeasurementError: the child failed.
    """
    from codeflash_lab.profiling.in_project import interpreter_for, run_job, target_job

    LagMonitor(interval_s, threshold_ms)  # checks the arguments
    if duration_s < 0:
        raise ValueError(f"duration_s: expected 0 or more, got {duration_s!r}")
    job = target_job(spec, cwd=cwd)
    job.update(
        mode="lag",
        lag={"duration_s": duration_s, "interval_s": interval_s,
             "threshold_ms": threshold_ms, "hook": hook},
    )  # fmt: skip
    python_path = interpreter_for(cwd, python).path
    doc = run_job(job, python=python_path, cwd=cwd, timeout_s=duration_s * 10 + 120)
    return lag_result_from_dict(doc["lag"])
