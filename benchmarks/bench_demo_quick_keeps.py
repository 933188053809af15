"""``demo --quick`` keeps: how often each planned fix is kept over repeated demo runs.

Goal (issue 11): at load 2, the blocking-call and sequential-awaits fixes are kept in at
least 9 of 10 runs; the decoy (offload-render) is never kept.

Run: ``.venv/bin/python benchmarks/bench_demo_quick_keeps.py --runs 10 --load 2``
"""

from __future__ import annotations

import argparse
import collections
import os
import tempfile
import time
from pathlib import Path

from bench_decision_quality import background_load

from codeflash_lab.demo import run_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--load", type=int, default=2)
    args = parser.parse_args()
    kept: collections.Counter[str] = collections.Counter()
    seen: collections.Counter[str] = collections.Counter()
    times = []
    with (
        tempfile.TemporaryDirectory(prefix="codeflash-demo-") as tmp,
        background_load(args.load, False),
    ):
        for i in range(args.runs):
            t0 = time.monotonic()
            result = run_demo(Path(tmp) / f"run-{i}", quick=True, say=lambda _line: None)
            times.append(time.monotonic() - t0)
            parts = []
            for e in result.experiments:
                seen[e.name] += 1
                kept[e.name] += e.status == "KEEP"
                parts.append(f"{e.name} {e.status} ({e.compare_verdict}: {e.reason[:90]})")
            print(f"run {i + 1}: {times[-1]:.0f} s; " + "; ".join(parts), flush=True)
        load1 = os.getloadavg()[0]
    print(f"\nload {args.load} CPU burners, load average {load1:.1f} at the end; demo median "
          f"{sorted(times)[len(times) // 2]:.0f} s")  # fmt: skip
    for name in sorted(seen):
        print(f"{name:<20} kept {kept[name]} of {seen[name]}")


if __name__ == "__main__":
    main()
