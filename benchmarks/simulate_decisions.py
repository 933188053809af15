"""Error rates and power of the adaptive compare, by replaying modelled and recorded noise.

Runs are not measured here: per-run p50 values are drawn from a log-normal model (or taken
from ``tests/data/noisy_runs.json``, recorded on this machine under load) and pushed through
the real round loop and decision code (:func:`codeflash_lab.bench.rounds.run_rounds`) with a
scripted clock, so thousands of compares take seconds. It prints, per preset, noise level
and true gain, the share of compares that ended KEEP, DISCARD [noise], DISCARD [regression]
and INCONCLUSIVE, the median seconds taken and the share done within 30 s, without and with
the stop when no zone is within reach (:mod:`codeflash_lab.bench.futility`).
``--two-sided-noise`` replays the noise zone read from the two-sided interval (its error
rate half of alpha, spent like alpha), as before the noise bound had its own rate.

    .venv/bin/python benchmarks/simulate_decisions.py --trials 1000
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.presets import FULL, QUICK, Preset
from codeflash_lab.bench.rounds import run_rounds

ROOT = Path(__file__).resolve().parents[1]
#: Seconds per round (two runs in fresh processes) of the pinned target, per preset.
ROUND_S = {"full": 3.4, "quick": 1.9}


def _run(p50: float, arm: str) -> Run:
    lat = {"p50": p50, "p90": p50, "p99": p50 * 2, "p999": p50 * 2, "max": p50 * 3,
           "min": p50 / 2, "mean": p50, "std": 1.0}  # fmt: skip
    return Run(index=0, mode="closed", concurrency=10, ok_ops=5000, errors=0, error_kinds={},
               first_error=None, elapsed_s=1.0, throughput_ops_s=1000.0 / p50,
               latency_ms=lat, arm=arm)  # fmt: skip


def _compare(p50s: Sequence[float], gain: float, preset: Preset, rng: random.Random, stop: bool):  # type: ignore[no-untyped-def]
    pos = rng.randrange(len(p50s))
    now = [0.0]

    def take(order: Sequence[str], config: BenchConfig) -> tuple[list[Run], bool]:
        nonlocal pos
        out = []
        for label in order:
            scale = 1.0 - gain if label == "B" else 1.0
            out.append(_run(p50s[pos % len(p50s)] * scale, label))
            pos += 1
        now[0] += ROUND_S[preset.name]
        return out, False

    return run_rounds(take, config=BenchConfig(), design=preset.design,
                      budget_s=preset.budget_s, clock=lambda: now[0], lengthen=False,
                      stop_out_of_reach=stop)  # fmt: skip


def _series(rng: random.Random, cv: float) -> list[float]:
    drift = [math.exp(0.05 * math.sin(k / 5 + rng.random())) for k in range(80)]
    return [10.0 * d * rng.lognormvariate(0.0, cv) for d in drift]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="compares per row")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--two-sided-noise",
        action="store_true",
        help="read the noise zone from the two-sided interval (the rule before beta)",
    )
    args = parser.parse_args()
    recorded = json.loads((ROOT / "tests" / "data" / "noisy_runs.json").read_text())["p50_ms"]
    print("each cell: without the out-of-reach stop -> with it (the default)")
    print(f"{'preset':6s} {'noise':>15s} {'gain':>5s}  {'KEEP':>13s} {'noise':>13s} "
          f"{'regr.':>13s} {'INCONC.':>13s} {'median s':>11s} {'<=30 s':>11s}")  # fmt: skip
    for base in (FULL, QUICK):
        design = base.design
        if args.two_sided_noise:
            design = replace(design, beta=design.alpha / 2, noise_spend=design.shares)
        preset = replace(base, design=design)
        print(f"{preset.name}: looks {list(design.looks)}, alpha {design.alpha}, beta "
              f"{design.beta} spent {[round(w, 2) for w in design.noise_shares]}, "
              f"budget {preset.budget_s:g} s")  # fmt: skip
        for noise in (0.015, 0.05, 0.10, 0.15, "recorded"):
            for gain in (0.0, 0.03, 0.10, 0.20):
                cells = []
                for stop in (False, True):
                    rng = random.Random(args.seed)
                    counts: Counter[str] = Counter()
                    took = []
                    for _ in range(args.trials):
                        p50s = recorded if noise == "recorded" else _series(rng, float(noise))
                        out = _compare(p50s, gain, preset, rng, stop)
                        counts[out.decision.verdict + "/" + out.decision.rule] += 1
                        took.append(out.elapsed_s)
                    n = args.trials
                    keep = sum(v for k, v in counts.items() if k.startswith("KEEP")) / n
                    inc = sum(v for k, v in counts.items() if k.startswith("INCONCLUSIVE")) / n
                    cells.append((keep, counts["DISCARD/noise"] / n,
                                  counts["DISCARD/regression"] / n, inc,
                                  statistics.median(took),
                                  sum(t <= 30 for t in took) / n))  # fmt: skip
                label = "recorded CV 46%" if noise == "recorded" else f"model CV {noise:.1%}"
                row = "  ".join(
                    f"{x:5.3f}->{y:5.3f}" for x, y in zip(*(c[:4] for c in cells), strict=False)
                )
                (s0, s1), (d0, d1) = zip(*(c[4:] for c in cells), strict=False)
                print(f"{preset.name:6s} {label:>15s} {gain:5.0%}  {row}  {s0:4.0f}->{s1:4.0f} "
                      f"{d0:5.2f}->{d1:4.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
