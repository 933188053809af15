"""Load drivers on the running loop: closed loop (N workers) and open loop (arrival rate).

Both use long-lived worker tasks (never a task per op), ``perf_counter_ns`` into
preallocated lists, a discarded warm-up, and a watchdog for per-op timeouts that
costs nothing per op.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any

__all__ = ["OpFactory", "RawRun", "run_closed", "run_open"]

#: ``make_op(worker_index)`` returns the zero-argument coroutine function a worker calls.
OpFactory = Callable[[int], Callable[[], Awaitable[Any]]]

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
    first_error: str | None = None
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
        while task.cancelling():
            task.uncancel()


async def _run_workers(
    workers: list[Callable[[int], Coroutine[Any, Any, None]]], dog: _Watchdog
) -> None:
    dog.tasks = [asyncio.create_task(fn(w)) for w, fn in enumerate(workers)]
    watcher = asyncio.create_task(dog.watch()) if dog.timeout_ns else None
    try:
        await asyncio.gather(*dog.tasks)
    finally:
        for task in dog.tasks:
            task.cancel()
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


async def _closed_phase(
    ops: list[Callable[[], Awaitable[Any]]],
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
            text = str(exc)
            tally.add(type(exc).__name__, text.splitlines()[0] if text else "")

    async def worker(w: int) -> None:
        # Hot path: locals only, two clock reads per op, nothing allocated.
        nonlocal buf
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
    around: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
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
    ctx = around() if around is not None else contextlib.nullcontext()
    async with ctx:
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


def arrival_offsets_ns(
    rate: float, seconds: float, *, arrivals: str = "constant", seed: int = 0
) -> list[int]:
    """Intended start offsets (ns from the phase start) of an open-loop schedule.

    Args:
        rate: arrivals per second.
        seconds: schedule length.
        arrivals: ``"constant"`` (every ``1/rate`` s) or ``"poisson"`` (exponential gaps
            from a private generator seeded with ``seed``).
        seed: Poisson seed.
    """
    horizon = seconds * 1e9
    if arrivals == "constant":
        step = 1e9 / rate
        return [int(i * step) for i in range(int(rate * seconds))]
    rng = random.Random(seed)
    out: list[int] = []
    t = rng.expovariate(rate) * 1e9
    while t < horizon:
        out.append(int(t))
        t += rng.expovariate(rate) * 1e9
    return out


async def _open_phase(
    ops: list[Callable[[], Awaitable[Any]]],
    offsets: list[int],
    *,
    max_backlog: int,
    timeout_s: float | None,
) -> tuple[RawRun, int]:
    loop = asyncio.get_running_loop()
    n = len(offsets)
    lat = [_NOT_DONE] * n
    serv = [_NOT_DONE] * n
    lag = [_NOT_DONE] * n
    backlog: deque[int] = deque()
    idle: deque[asyncio.Future[None]] = deque()
    tally = _Tally()
    dog = _Watchdog(len(ops), timeout_s)
    started, fired = dog.started, dog.fired
    state = {"released": 0, "dropped": 0, "done": False, "last": 0}
    start = perf_counter_ns() + 1_000_000

    def wake(count: int) -> None:
        while count > 0 and idle:
            fut = idle.popleft()
            if not fut.done():
                fut.set_result(None)
                count -= 1

    async def dispatcher() -> None:
        released = 0
        while released < n:
            now = perf_counter_ns()
            while released < n and start + offsets[released] <= now:
                if len(backlog) >= max_backlog:
                    state["dropped"] += 1
                else:
                    backlog.append(released)
                released += 1
            state["released"] = released
            wake(len(backlog))
            if released < n:
                delay = (start + offsets[released] - perf_counter_ns()) / 1e9
                await asyncio.sleep(delay if delay > 0 else 0)
        state["done"] = True
        wake(len(idle))

    async def worker(w: int) -> None:
        fn = ops[w]
        while True:
            if backlog:
                i = backlog.popleft()
                intended = start + offsets[i]
                t0 = started[w] = perf_counter_ns()
                try:
                    await fn()
                except asyncio.CancelledError:
                    if not fired[w]:
                        raise
                    dog.absorb(w)
                    tally.add("TimeoutError", f"op exceeded {timeout_s} s")
                    ok = False
                except Exception as exc:
                    tally.add(type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
                    ok = False
                else:
                    ok = True
                    if fired[w]:
                        dog.absorb(w)
                t1 = perf_counter_ns()
                started[w] = 0
                lag[i] = t0 - intended
                if ok:
                    lat[i] = t1 - intended
                    serv[i] = t1 - t0
                state["last"] = t1
            elif state["done"]:
                return
            else:
                fut = loop.create_future()
                idle.append(fut)
                await fut

    disp = asyncio.create_task(dispatcher())
    try:
        await _run_workers([worker] * len(ops), dog)
    finally:
        disp.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await disp
    elapsed = max(state["last"] - start, 1)
    raw = RawRun(
        latencies_ns=[v for v in lat if v >= 0],
        errors=tally.count,
        error_kinds=tally.kinds,
        first_error=tally.first,
        elapsed_ns=elapsed,
        dropped=state["dropped"],
        schedule_lag_ns=[v for v in lag if v != _NOT_DONE],
        service_ns=[v for v in serv if v >= 0],
    )
    return raw, n


async def run_open(
    make_op: OpFactory,
    *,
    pool: int,
    rate: float,
    seconds: float,
    warmup_s: float,
    arrivals: str = "constant",
    seed: int = 0,
    timeout_s: float | None = 10.0,
    max_backlog: int | None = None,
    around: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
) -> RawRun:
    """Open loop: arrivals at ``rate``/s served by a pool of ``pool`` workers.

    Latency is measured from each arrival's *intended* start (no coordinated
    omission); the dispatcher's lateness (actual - intended start) is kept apart in
    ``schedule_lag_ns``, and latency from the actual start in ``service_ns``. Due
    arrivals wait in a backlog for a free worker; with ``max_backlog`` waiting, new
    ones are dropped and counted.

    Args:
        make_op: per-worker op factory.
        pool: worker tasks (the most ops in flight).
        rate: arrivals per second.
        seconds: schedule length of the measured phase.
        warmup_s: warm-up at the same rate, discarded.
        arrivals: ``"constant"`` or ``"poisson"``.
        seed: Poisson seed (the warm-up uses ``seed + 1``).
        timeout_s: per-op timeout, or ``None``.
        max_backlog: waiting arrivals before drops (default ``10 * pool``).
        around: async context manager factory entered around the measured phase only.

    Returns:
        The raw samples.
    """
    fns = [make_op(w) for w in range(pool)]
    cap = max_backlog if max_backlog is not None else 10 * pool
    warm_ops = 0
    if warmup_s > 0:
        warm_sched = arrival_offsets_ns(rate, warmup_s, arrivals=arrivals, seed=seed + 1)
        _, warm_ops = await _open_phase(fns, warm_sched, max_backlog=cap, timeout_s=timeout_s)
    schedule = arrival_offsets_ns(rate, seconds, arrivals=arrivals, seed=seed)
    ctx = around() if around is not None else contextlib.nullcontext()
    async with ctx:
        raw, _ = await _open_phase(fns, schedule, max_backlog=cap, timeout_s=timeout_s)
    raw.warmup_ops = warm_ops
    return raw
