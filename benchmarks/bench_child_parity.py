"""Measuring child vs in-process: the same target, the same methodology, the same numbers?

Each op kind runs interleaved (loop, child, loop, child, ...): ``loop`` is a fresh event
loop in this process (``measure_in_loop``), ``child`` a fresh process of the measuring
child (``measure_in_process``, here with this same interpreter, so only the harness
differs). Printed per kind: median throughput and p50 of each side and child/loop ratios.
Goal: ratios within the run-to-run noise (about 0.9-1.1 on a quiet 2-core machine).

Run: ``.venv/bin/python benchmarks/bench_child_parity.py [--reps 5] [--seconds 1.0]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from codeflash_lab.bench import BenchConfig, Measurable
from codeflash_lab.bench.runner import measure_in_loop, measure_in_process

OPS = """\
import asyncio

async def noop():
    return None

async def sleep_1ms():
    await asyncio.sleep(0.001)

async def cpu_50us():
    sum(range(600))
"""

KINDS = (("noop", 1), ("sleep_1ms", 16), ("cpu_50us", 4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="codeflash-parity-"))
    (folder / "parity_ops.py").write_text(OPS)
    print(f"python {sys.version.split()[0]}, {args.reps} interleaved pairs of "
          f"{args.seconds:g} s runs per kind")  # fmt: skip
    print(f"{'op':<10} {'conc':>4}  {'loop ops/s':>11} {'child ops/s':>11} {'ratio':>6}  "
          f"{'loop p50 ms':>11} {'child p50 ms':>12} {'ratio':>6}")  # fmt: skip
    for name, concurrency in KINDS:
        config = BenchConfig(concurrency=concurrency, duration_s=args.seconds, warmup_s=0.3)
        m = Measurable(spec=f"parity_ops.py:{name}", cwd=str(folder), python=sys.executable)
        loop_runs, child_runs = [], []
        for i in range(args.reps):
            loop_runs.append(measure_in_loop(m, config, index=i))
            child_runs.append(measure_in_process(m, config, index=i))
        lt = statistics.median(r.throughput_ops_s for r in loop_runs)
        ct = statistics.median(r.throughput_ops_s for r in child_runs)
        lp = statistics.median(r.latency_ms["p50"] for r in loop_runs)
        cp = statistics.median(r.latency_ms["p50"] for r in child_runs)
        print(f"{name:<10} {concurrency:>4}  {lt:>11,.0f} {ct:>11,.0f} {ct / lt:>6.2f}  "
              f"{lp:>11.4f} {cp:>12.4f} {cp / lp:>6.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
