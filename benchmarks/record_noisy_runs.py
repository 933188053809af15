"""Record per-run p50 and throughput of the pinned synthetic target, in the order taken,
with CPU burners beside it: the data the decision simulation test replays.

Run: ``.venv/bin/python benchmarks/record_noisy_runs.py --runs 48 --load 2``
(writes ``tests/data/noisy_runs.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench_decision_quality import CONCURRENCY, ROOT, SYNTHETIC, background_load

from codeflash_lab.bench import BenchConfig, Measurable, bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=48)
    parser.add_argument("--load", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "noisy_runs.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codeflash-rec-") as tmp:
        Path(tmp, "synthetic_ops.py").write_text(SYNTHETIC)
        m = Measurable(spec="synthetic_ops.py:op", args=(1.0,), cwd=tmp, label="synthetic")
        config = BenchConfig(concurrency=CONCURRENCY)
        with background_load(args.load, False):
            result = bench(m, config=config, runs=args.runs, save=False, progress=False)
            load1 = os.getloadavg()[0]
    doc = {
        "what": "per-run p50 (ms) and throughput (ops/s) of one target, in the order taken",
        "target": "2 ms busy-wait + 8 ms sleep, log-normal sigma 0.3, concurrency 10",
        "config": {"run_s": config.run_seconds, "warmup_s": config.warmup_s},
        "load": {"burners": args.load, "loadavg_1m": load1},
        "recorded": time.strftime("%Y-%m-%d"),
        "p50_ms": [round(r.latency_ms["p50"], 4) for r in result.runs],
        "throughput_ops_s": [round(r.throughput_ops_s, 3) for r in result.runs],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"recorded {len(result.runs)} runs at load average {load1:.1f} to {args.out}")


if __name__ == "__main__":
    main()
