"""The open-loop driver: arrivals at a fixed rate (constant or seeded Poisson) served by
a pool of workers, latency measured from each arrival's intended start.

Standard library only, Python 3.9 syntax (see ``_cflab_drivers``); imported in-process
by ``codeflash_lab.bench.openloop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from time import perf_counter_ns
from typing import TYPE_CHECKING

try:  # in-process: a module of the package codeflash_lab._child
    from ._cflab_drivers import _NOT_DONE, RawRun, _around, _run_workers, _Tally, _Watchdog
except ImportError:  # the measuring child: loaded by path, its siblings on sys.path
    from _cflab_drivers import (  # type: ignore[no-redef]
        _NOT_DONE,
        RawRun,
        _around,
        _run_workers,
        _Tally,
        _Watchdog,
    )

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    from ._cflab_drivers import Around, Op, OpFactory


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
    ops: list[Op], offsets: list[int], *, max_backlog: int, timeout_s: float | None
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
                    tally.add_failure(exc)
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
    around: Around | None = None,
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
    async with _around(around):
        raw, _ = await _open_phase(fns, schedule, max_backlog=cap, timeout_s=timeout_s)
    raw.warmup_ops = warm_ops
    return raw
