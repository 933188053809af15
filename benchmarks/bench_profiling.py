"""What the runtime-evidence tools cost: lag monitor (default and hooked) and yappi WALL.

Each configuration runs a closed loop of 50 workers doing ``await asyncio.sleep(0)`` (the
worst case: the loop does nothing but schedule callbacks) on a fresh event loop, in
interleaved rounds, and the script PRINTS ops/s and the slowdown against the plain loop
measured in the same round. Also prints the lag monitor's idle floor.

    .venv/bin/python benchmarks/bench_profiling.py [--rounds 3] [--ops 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from codeflash_lab.profiling import LagMonitor, profile_block


async def _workload(ops: int, workers: int = 50) -> float:
    counter = [0]

    async def worker() -> None:
        while counter[0] < ops:
            counter[0] += 1
            await asyncio.sleep(0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - start


def _run(ops: int, wrap: Callable[[], AbstractAsyncContextManager[Any]]) -> float:
    async def main() -> float:
        await _workload(ops // 10)  # warm-up
        async with wrap():
            return await _workload(ops)

    return ops / asyncio.run(main())


class _Yappi:
    def __init__(self) -> None:
        self._cm = profile_block()

    async def __aenter__(self) -> None:
        self._cm.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self._cm.__exit__(None, None, None)


CONFIGS: dict[str, Callable[[], AbstractAsyncContextManager[Any]]] = {
    "plain loop": lambda: nullcontext(),
    "LagMonitor() (default)": lambda: LagMonitor(),
    "LagMonitor(hook=True)": lambda: LagMonitor(hook=True),
    "yappi WALL": _Yappi,
}


async def _idle_floor(seconds: float) -> tuple[float, float, float]:
    async with LagMonitor() as mon:
        await asyncio.sleep(seconds)
    r = mon.result()
    return r.p50_ms, r.p99_ms, r.max_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ops", type=int, default=200_000)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {name: [] for name in CONFIGS}
    slowdowns: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(args.rounds):
        plain = 0.0
        for name, wrap in CONFIGS.items():
            rate = _run(args.ops if name != "yappi WALL" else args.ops // 10, wrap)
            rates[name].append(rate)
            if name == "plain loop":
                plain = rate
            slowdowns[name].append(plain / rate)
    print(f"closed loop, 50 workers, sleep(0) ops, {args.rounds} interleaved rounds")
    print(f"{'configuration':26} {'ops/s median':>13} {'slowdown median (min-max)':>28}")
    for name in CONFIGS:
        s = slowdowns[name]
        print(
            f"{name:26} {statistics.median(rates[name]):13,.0f} "
            f"{statistics.median(s):>15.2f}x ({min(s):.2f}-{max(s):.2f})"
        )
    p50, p99, worst = asyncio.run(_idle_floor(2.0))
    print(f"idle loop lag floor over 2 s: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms")


if __name__ == "__main__":
    main()
