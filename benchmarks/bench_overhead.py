"""Harness overhead: recorded no-op ops per second, harness vs a bare hand-written loop.

Both run in this process, in fresh event loops, interleaved (bare, harness, bare, ...).
The bare loop is the floor any recording harness pays: one coroutine call plus two
``perf_counter_ns`` reads and a store into a preallocated list per op. The harness
path is the whole fresh-loop run (closed-loop driver, warm-up, CPU sampling, summary).
Goal: harness throughput >= 50% of the bare loop.

Run: ``.venv/bin/python benchmarks/bench_overhead.py [--reps 3] [--seconds 1.0]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from time import perf_counter_ns

from codeflash_lab.bench import BenchConfig, Measurable
from codeflash_lab.bench.runner import measure_in_loop


async def noop() -> None:
    return None


async def bare_loop(seconds: float) -> float:
    """Hand-written recording loop: ops per second over ``seconds``."""
    n = 4_000_000
    buf = [0] * n
    for i in range(100_000):  # warm-up through the same path
        t0 = perf_counter_ns()
        await noop()
        buf[i] = perf_counter_ns() - t0
    start = perf_counter_ns()
    deadline = start + int(seconds * 1e9)
    i = 0
    now = start
    while now < deadline and i < n:
        t0 = perf_counter_ns()
        await noop()
        now = perf_counter_ns()
        buf[i] = now - t0
        i += 1
    return i / ((now - start) / 1e9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    config = BenchConfig(concurrency=1, min_run_s=args.seconds, warmup_s=0.2)
    target = Measurable.of(noop)
    bare, harness = [], []
    for _ in range(args.reps):
        bare.append(asyncio.run(bare_loop(args.seconds)))
        run = measure_in_loop(target, config)
        harness.append(run.throughput_ops_s)
    ratios = [h / b for h, b in zip(harness, bare, strict=True)]
    print(f"bare recording loop: {statistics.median(bare):,.0f} ops/s "
          f"(min {min(bare):,.0f}, max {max(bare):,.0f})")  # fmt: skip
    print(f"harness (fresh loop, closed loop, concurrency 1): {statistics.median(harness):,.0f} "
          f"ops/s (min {min(harness):,.0f}, max {max(harness):,.0f})")  # fmt: skip
    print(f"harness / bare: median {statistics.median(ratios):.0%} "
          f"(per-rep {', '.join(f'{r:.0%}' for r in ratios)}); goal >= 50%")  # fmt: skip


if __name__ == "__main__":
    main()
