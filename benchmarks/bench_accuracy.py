"""Accuracy: ``await asyncio.sleep(0.01)`` at concurrency 1, p50 vs 10 ms + timer lateness.

The timer lateness is measured in the same process right before and after each
harness run by a bare loop (``perf_counter_ns`` around ``asyncio.sleep(0.01)``, 40
sleeps each side; the median of the 80 is used).
Goal: harness p50 within 5% of 10 ms plus the measured median lateness.

Run: ``.venv/bin/python benchmarks/bench_accuracy.py [--reps 3] [--seconds 1.0]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from time import perf_counter_ns

from codeflash_lab.bench import BenchConfig, Measurable
from codeflash_lab.bench.runner import measure_in_loop


async def sleep_10ms() -> None:
    await asyncio.sleep(0.01)


async def lateness_ms(samples: int) -> list[float]:
    """Lateness of a 10 ms ``asyncio.sleep`` in a bare loop, in ms, one value per sleep."""
    late = []
    for _ in range(samples):
        t0 = perf_counter_ns()
        await asyncio.sleep(0.01)
        late.append((perf_counter_ns() - t0) / 1e6 - 10.0)
    return late


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    config = BenchConfig(concurrency=1, min_run_s=args.seconds, warmup_s=0.2)
    target = Measurable.of(sleep_10ms)
    for rep in range(args.reps):
        before = asyncio.run(lateness_ms(40))
        run = measure_in_loop(target, config)
        after = asyncio.run(lateness_ms(40))
        lateness = statistics.median(before + after)
        expected = 10.0 + lateness
        p50 = run.latency_ms["p50"]
        off = (p50 - expected) / expected
        print(f"rep {rep}: harness p50 {p50:.3f} ms ({run.ok_ops} ops), timer lateness "
              f"{lateness:.3f} ms (median of 80 sleeps; before {statistics.median(before):.3f}, "
              f"after {statistics.median(after):.3f}) -> expected "
              f"{expected:.3f} ms, off by {off:+.2%} (goal within ±5%); "
              f"background busy {run.background_busy or 0:.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
