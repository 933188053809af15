"""Measuring child: the closed- and open-loop drivers (standard library only, Python 3.9+).

The same methodology as ``codeflash_lab.bench.drivers`` and ``bench.openloop``:
long-lived worker tasks over a shared counter (never a task per op),
``perf_counter_ns`` into preallocated lists, a discarded warm-up, and a watchdog for
per-op timeouts that costs nothing per op.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    from collections.abc import Callable, Coroutine

    #: ``make_op(worker_index)`` returns the zero-argument coroutine function a worker calls.
    Op = Callable[[], Coroutine[Any, Any, Any]]
    OpFactory = Callable[[int], Op]
    Around = Callable[[], Any]  # an async context manager factory

_NOT_DONE = -2
_FAILED = -1


class RawRun:
    """Raw samples of one measured phase."""

    def __init__(
        self,
        latencies_ns: list[int],
        errors: int = 0,
        error_kinds: dict[str, int] | None = None,
        first_error: str | None = None,
        elapsed_ns: int = 0,
        warmup_ops: int = 0,
        dropped: int = 0,
        schedule_lag_ns: list[int] | None = None,
        service_ns: list[int] | None = None,
    ) -> None:
        self.latencies_ns = latencies_ns
        self.errors = errors
        self.error_kinds = error_kinds or {}
        self.first_error = first_error
        self.elapsed_ns = elapsed_ns
        self.warmup_ops = warmup_ops
        self.dropped = dropped
        self.schedule_lag_ns = schedule_lag_ns
        self.service_ns = service_ns


class _Tally:
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
        self.started = [0] * workers
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


def _text(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""


async def _closed_phase(
    ops: list[Op], limit: int, seconds: float, size_hint: int, timeout_s: float | None, batch: int
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
            tally.add(type(exc).__name__, _text(exc))

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
                if fired_[w]:
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
    concurrency: int,
    ops: int | None,
    seconds: float,
    warmup_s: float,
    timeout_s: float | None,
    batch: int,
    around: Around,
) -> RawRun:
    """Closed loop: ``concurrency`` workers over a shared counter (see ``bench.drivers``)."""
    fns = [make_op(w) for w in range(concurrency)]
    warm_limit = (ops // 10) if ops else 0
    warm, warm_ns, _ = await _closed_phase(fns, warm_limit, warmup_s, 1024, timeout_s, batch)
    rate = len(warm) / (warm_ns / 1e9) if warm_ns else 0.0
    hint = int(min(rate * seconds * 1.2, 20_000_000)) + concurrency
    async with around():
        samples, elapsed, tally = await _closed_phase(
            fns, ops or 0, seconds, hint, timeout_s, batch
        )
    return RawRun(samples, tally.count, tally.kinds, tally.first, elapsed, len(warm))


def arrival_offsets_ns(
    rate: float, seconds: float, arrivals: str = "constant", seed: int = 0
) -> list[int]:
    """Intended start offsets (ns) of an open-loop schedule (see ``bench.openloop``)."""
    horizon = seconds * 1e9
    if arrivals == "constant":
        step = 1e9 / rate
        return [int(i * step) for i in range(int(rate * seconds))]
    rng = random.Random(seed)
    out = []
    t = rng.expovariate(rate) * 1e9
    while t < horizon:
        out.append(int(t))
        t += rng.expovariate(rate) * 1e9
    return out


async def _open_phase(
    ops: list[Op], offsets: list[int], max_backlog: int, timeout_s: float | None
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
    state = {"dropped": 0, "done": False, "last": 0}
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
                    tally.add(type(exc).__name__, _text(exc))
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

    disp = loop.create_task(dispatcher())
    try:
        await _run_workers([worker] * len(ops), dog)
    finally:
        disp.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await disp
    elapsed = max(state["last"] - start, 1)
    raw = RawRun(
        [v for v in lat if v >= 0], tally.count, tally.kinds, tally.first, elapsed,
        dropped=state["dropped"], schedule_lag_ns=[v for v in lag if v != _NOT_DONE],
        service_ns=[v for v in serv if v >= 0],
    )  # fmt: skip
    return raw, n


async def run_open(
    make_op: OpFactory,
    pool: int,
    rate: float,
    seconds: float,
    warmup_s: float,
    arrivals: str,
    seed: int,
    timeout_s: float | None,
    max_backlog: int | None,
    around: Around,
) -> RawRun:
    """Open loop: arrivals at ``rate``/s served by ``pool`` workers (see ``bench.openloop``)."""
    fns = [make_op(w) for w in range(pool)]
    cap = max_backlog if max_backlog is not None else 10 * pool
    warm_ops = 0
    if warmup_s > 0:
        warm_sched = arrival_offsets_ns(rate, warmup_s, arrivals, seed + 1)
        _, warm_ops = await _open_phase(fns, warm_sched, cap, timeout_s)
    schedule = arrival_offsets_ns(rate, seconds, arrivals, seed)
    async with around():
        raw, _ = await _open_phase(fns, schedule, cap, timeout_s)
    raw.warmup_ops = warm_ops
    return raw
