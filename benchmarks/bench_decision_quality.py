"""Decision quality of ``compare``: false KEEPs on A/A and power on a true 20% gain.

Synthetic targets with a known latency and jitter (a busy wait of lognormal length,
seeded per process, then one yield) are compared many times:

- A/A (same target both sides): how often the verdict is a false KEEP (goal <= 5%);
- A/B with B truly 20% faster: how often the verdict is KEEP (goal >= 90%).

Trials use short runs (``--min-run``) so the script finishes in a few minutes; one
A/A and one A/B compare with the full defaults (1 s runs, 0.5 s warm-up, fresh
processes) are timed at the end (goal: each <= 60 s).

Run: ``.venv/bin/python benchmarks/bench_decision_quality.py [--trials 20] [--min-run 0.3]``
"""

from __future__ import annotations

import argparse
import collections
import statistics
import tempfile
import time
from pathlib import Path

from codeflash_lab.bench import BenchConfig, Measurable, compare

SYNTHETIC = '''
import asyncio, os, random, time

_rng = random.Random(os.getpid())


async def op(base_us, jitter):
    """Busy-wait a lognormal time with median base_us, then yield once."""
    end = time.perf_counter() + base_us * 1e-6 * _rng.lognormvariate(0.0, jitter)
    while time.perf_counter() < end:
        pass
    await asyncio.sleep(0)
'''


def _arm(folder: Path, label: str, base_us: float, jitter: float) -> Measurable:
    return Measurable(spec="synthetic_ops.py:op", args=(base_us, jitter), cwd=str(folder),
                      label=label)  # fmt: skip


def _trials(folder: Path, b_us: float, args: argparse.Namespace, config: BenchConfig) -> tuple:
    verdicts: collections.Counter[str] = collections.Counter()
    times = []
    for _ in range(args.trials):
        t0 = time.perf_counter()
        result = compare(
            _arm(folder, "A", args.base_us, args.jitter),
            _arm(folder, "B", b_us, args.jitter),
            config=config,
            save=False,
            progress=False,
        )
        times.append(time.perf_counter() - t0)
        verdicts[result.verdict] += 1
    return verdicts, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--min-run", type=float, default=0.3)
    parser.add_argument("--warmup", type=float, default=0.1)
    parser.add_argument("--base-us", type=float, default=100.0, help="A's median op latency")
    parser.add_argument("--jitter", type=float, default=0.2, help="lognormal sigma per op")
    parser.add_argument("--skip-defaults", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="codeflash-dq-") as tmp:
        folder = Path(tmp)
        (folder / "synthetic_ops.py").write_text(SYNTHETIC)
        quick = BenchConfig(min_run_s=args.min_run, warmup_s=args.warmup)
        print(f"synthetic op: busy wait, median {args.base_us:.0f} µs, lognormal sigma "
              f"{args.jitter}; trials with {args.min_run} s runs, {args.warmup} s warm-up, "
              "fresh process per run")  # fmt: skip
        aa, aa_t = _trials(folder, args.base_us, args, quick)
        ab, ab_t = _trials(folder, args.base_us * 0.8, args, quick)
        n = args.trials
        print(
            f"A/A  ({n} trials): false KEEP rate {aa['KEEP'] / n:.1%}   verdicts {dict(aa)}   "
            f"time per compare median {statistics.median(aa_t):.1f} s, max {max(aa_t):.1f} s"
        )
        print(f"A/B 20% faster ({n} trials): KEEP rate {ab['KEEP'] / n:.1%}   verdicts "
              f"{dict(ab)}   time per compare median {statistics.median(ab_t):.1f} s, "
              f"max {max(ab_t):.1f} s")  # fmt: skip
        if args.skip_defaults:
            return
        for name, b_us in (("A/A", args.base_us), ("A/B 20%", args.base_us * 0.8)):
            t0 = time.perf_counter()
            result = compare(
                _arm(folder, "A", args.base_us, args.jitter),
                _arm(folder, "B", b_us, args.jitter),
                save=False,
                progress=False,
            )
            took = time.perf_counter() - t0
            print(f"defaults {name}: {result.verdict} in {took:.1f} s "
                  f"({len(result.a_runs)}+{len(result.b_runs)} runs) — {result.reason}")  # fmt: skip


if __name__ == "__main__":
    main()
