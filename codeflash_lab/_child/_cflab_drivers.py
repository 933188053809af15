"""The closed-loop driver (N workers over a shared counter) and what drivers share.

Standard library only, Python 3.9 syntax: the measuring child loads this file by path
in the project's interpreter, and ``codeflash_lab.bench.drivers`` imports it in-process,
so both measure with one copy of the code. Drivers use long-lived worker tasks (never a
task per op), ``perf_counter_ns`` into preallocated lists, a discarded warm-up, and a
watchdog for per-op timeouts that costs nothing per op. The open loop lives in
``_cflab_openloop``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
    from contextlib import AbstractAsyncContextManager

    #: ``make_op(worker_index)`` returns the zero-argument coroutine function a worker calls.
    Op = Callable[[], Awaitable[Any]]
    OpFactory = Callable[[int], Op]
    #: An async context manager factory entered around the measured phase only.
    Around = Callable[[], AbstractAsyncContextManager[Any]]

_NOT_DONE = -2
_FAILED = -1


@dataclass
class RawRun:
    """Raw samples of one measured phase (turned into a ``Run`` by the runner).

    Attributes:
        latencies_ns: per successful op (per call when batched), ns; from the intended
            start in open loop.
        errors: failed ops.
        error_kinds: ``{kind: count}``.
        first_error: message of the first failure.
        elapsed_ns: measured wall time.
        warmup_ops: ops run (and discarded) in the warm-up.
        dropped: open loop: arrivals dropped with the backlog full.
        schedule_lag_ns: open loop: actual minus intended start per started op.
        service_ns: open loop: latency from the actual start per successful op.
    """

    latencies_ns: list[int]
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None  # annotations stay text: fine on Python 3.8 and 3.9
    elapsed_ns: int = 0
    warmup_ops: int = 0
    dropped: int = 0
    schedule_lag_ns: list[int] | None = None
    service_ns: list[int] | None = None


class _Tally:
    """Failure counts by kind, keeping the first message."""

    def __init__(self) -> None:
        self.count = 0
        self.kinds: dict[str, int] = {}
        self.first: str | None = None

    def add(self, kind: str, message: str) -> None:
        self.count += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if self.first is None:
            self.first = f"{kind}: {message}" if message else kind

    def add_failure(self, exc: BaseException) -> None:
        """Count an op's exception by its type, with the first line of its message."""
        text = str(exc)
        self.add(type(exc).__name__, text.splitlines()[0] if text else "")


class _Watchdog:
    """Cancels a worker whose current op has run longer than the timeout."""

    def __init__(self, workers: int, timeout_s: float | None) -> None:
        self.started = [0] * workers  # perf_counter_ns at op start, 0 when idle
        self.fired = [False] * workers
        self.tasks: list[asyncio.Task[None]] = []
        self.timeout_ns = int(timeout_s * 1e9) if timeout_s else 0
        self._period = min(max(timeout_s / 4, 0.001), 0.25) if timeout_s else 0.0

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self._period)
            now = perf_counter_ns()
            for w, t0 in enumerate(self.started):
                if t0 and now - t0 > self.timeout_ns and not self.fired[w]:
                    self.fired[w] = True
                    self.tasks[w].cancel()

    def absorb(self, w: int) -> None:
        """After a timeout-cancel was handled: reset the flag and the task's cancel count."""
        self.fired[w] = False
        task = self.tasks[w]
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+ counts cancel requests
        if uncancel is not None:
            while task.cancelling():
                uncancel()


async def _run_workers(
    workers: list[Callable[[int], Coroutine[Any, Any, None]]], dog: _Watchdog
) -> None:
    loop = asyncio.get_running_loop()
    dog.tasks = [loop.create_task(fn(w)) for w, fn in enumerate(workers)]
    watcher = loop.create_task(dog.watch()) if dog.timeout_ns else None
    try:
        await asyncio.gather(*dog.tasks)
    finally:
        for task in dog.tasks:
            task.cancel()
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


@contextlib.asynccontextmanager
async def _nothing_around() -> AsyncIterator[None]:
    yield  # contextlib.nullcontext is async only from Python 3.10


def _around(around: Around | None) -> AbstractAsyncContextManager[Any]:
    return around() if around is not None else _nothing_around()


async def _closed_phase(
    ops: list[Op],
    *,
    limit: int,
    seconds: float,
    size_hint: int,
    timeout_s: float | None,
    batch: int,
) -> tuple[list[int], int, _Tally]:
    buf = [_NOT_DONE] * max(limit, size_hint, 16)
    counter = [0]
    tally = _Tally()
    dog = _Watchdog(len(ops), timeout_s)
    started, fired = dog.started, dog.fired
    start = perf_counter_ns()
    deadline = start + int(seconds * 1e9)

    def failed(w: int, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            if not fired[w]:
                raise exc
            dog.absorb(w)
            tally.add("TimeoutError", f"op exceeded {timeout_s} s")
        else:
            tally.add_failure(exc)

    async def worker(w: int) -> None:
        # Hot path: locals only, two clock reads per op, nothing allocated.
        fn, ctr, started_, fired_, clock = ops[w], counter, started, fired, perf_counter_ns
        calls = range(batch)
        now = start
        while True:
            i = ctr[0]
            if i >= limit and now >= deadline:
                return
            ctr[0] = i + 1
            t0 = started_[w] = clock()
            try:
                if batch == 1:
                    await fn()
                else:
                    for _ in calls:
                        await fn()
            except (Exception, asyncio.CancelledError) as exc:
                failed(w, exc)
                now = clock()
                value = _FAILED
            else:
                now = clock()
                value = (now - t0) if batch == 1 else (now - t0) // batch
                if fired_[w]:  # the op swallowed the timeout's cancellation
                    dog.absorb(w)
            started_[w] = 0
            try:
                buf[i] = value
            except IndexError:
                buf.extend([_NOT_DONE] * (i + 1))
                buf[i] = value

    await _run_workers([worker] * len(ops), dog)
    elapsed = perf_counter_ns() - start
    done = counter[0]
    samples = [v for v in buf[:done] if v >= 0]
    return samples, elapsed, tally


async def run_closed(
    make_op: OpFactory,
    *,
    concurrency: int,
    ops: int | None,
    seconds: float,
    warmup_s: float,
    timeout_s: float | None = 10.0,
    batch: int = 1,
    around: Around | None = None,
) -> RawRun:
    """Closed loop: ``concurrency`` workers over a shared counter, on the running loop.

    The measured phase stops once ``ops`` ops have started *and* ``seconds`` have
    passed (with ``ops=None``, after ``seconds``). The warm-up runs the same code path
    for ``warmup_s`` seconds (and at least 10% of ``ops``), and is discarded.

    Args:
        make_op: per-worker op factory.
        concurrency: worker tasks (ops in flight).
        ops: measured op count, or ``None`` for a duration run.
        seconds: shortest measured wall time.
        warmup_s: warm-up seconds.
        timeout_s: per-op timeout (counted as an error), or ``None``.
        batch: calls per recorded sample (latency per call = sample / batch).
        around: async context manager factory entered around the measured phase only
            (system sampling, lag monitor).

    Returns:
        The raw samples.
    """
    fns = [make_op(w) for w in range(concurrency)]
    warm_limit = (ops // 10) if ops else 0
    warm, warm_ns, _ = await _closed_phase(
        fns, limit=warm_limit, seconds=warmup_s, size_hint=1024, timeout_s=timeout_s, batch=batch
    )
    rate = len(warm) / (warm_ns / 1e9) if warm_ns else 0.0
    hint = int(min(rate * seconds * 1.2, 20_000_000)) + concurrency
    async with _around(around):
        samples, elapsed, tally = await _closed_phase(
            fns, limit=ops or 0, seconds=seconds, size_hint=hint, timeout_s=timeout_s, batch=batch
        )
    return RawRun(
        latencies_ns=samples,
        errors=tally.count,
        error_kinds=tally.kinds,
        first_error=tally.first,
        elapsed_ns=elapsed,
        warmup_ops=len(warm),
    )
