"""Error rates of the adaptive compare, backed by replaying noisy runs many times.

Twenty real trials cannot show a 5 % error rate; these replays can. Runs recorded on this
2-core machine under load (``tests/data/noisy_runs.json``, made by
``benchmarks/record_noisy_runs.py``) and a log-normal model are pushed through the real
round loop and decision code (:func:`codeflash_lab.bench.rounds.run_rounds`) with a
scripted clock.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.presets import FULL, QUICK, Preset
from codeflash_lab.bench.rounds import run_rounds

RECORDED = json.loads((Path(__file__).parent / "data" / "noisy_runs.json").read_text())
ROUND_S = 3.4  # seconds per round measured for the pinned target in fresh processes


def _run(p50: float, throughput: float, arm: str) -> Run:
    return Run(
        index=0,
        mode="closed",
        concurrency=10,
        ok_ops=5000,
        errors=0,
        error_kinds={},
        first_error=None,
        elapsed_s=1.0,
        throughput_ops_s=throughput,
        latency_ms={
            "p50": p50,
            "p90": p50,
            "p99": p50 * 2,
            "p999": p50 * 2,
            "max": p50 * 3,
            "min": p50 / 2,
            "mean": p50,
            "std": 1.0,
        },
        arm=arm,
    )


class Replay:
    """Rounds drawn from a series of per-run values, B scaled by ``1 - gain``."""

    def __init__(
        self, p50s: Sequence[float], thr: Sequence[float], gain: float, rng: random.Random
    ):
        self.p50s, self.thr, self.gain = p50s, thr, gain
        self.pos = rng.randrange(len(p50s))
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def take(self, order: Sequence[str], config: BenchConfig) -> tuple[list[Run], bool]:
        out = []
        for label in order:
            i = self.pos % len(self.p50s)
            self.pos += 1
            scale = 1.0 - self.gain if label == "B" else 1.0
            out.append(_run(self.p50s[i] * scale, self.thr[i] / scale, label))
        self.now += ROUND_S
        return out, False


def _trials(
    series: tuple[Sequence[float], Sequence[float]] | None,
    gain: float,
    n: int,
    preset: Preset,
    *,
    seed: int,
    cv: float = 0.15,
) -> Counter[str]:
    rng = random.Random(seed)
    out: Counter[str] = Counter()
    for _ in range(n):
        if series is None:  # log-normal model with a slow drift, fresh per trial
            drift = [math.exp(0.05 * math.sin(k / 5 + rng.random())) for k in range(60)]
            p50s = [10.0 * d * rng.lognormvariate(0.0, cv) for d in drift]
            thr = [1000.0 / p for p in p50s]
        else:
            p50s, thr = series
        replay = Replay(p50s, thr, gain, rng)
        rounds = run_rounds(
            replay.take,
            config=BenchConfig(),
            design=preset.design,
            budget_s=preset.budget_s,
            clock=replay.clock,
            lengthen=False,
        )
        assert rounds.decision is not None
        out[f"{rounds.decision.verdict}/{rounds.decision.rule}"] += 1
    return out


def _share(counts: Counter[str], *keys: str) -> float:
    total = sum(counts.values())
    return sum(v for k, v in counts.items() if k.startswith(keys)) / total


RECORDED_SERIES = (RECORDED["p50_ms"], RECORDED["throughput_ops_s"])


def test_recorded_noise_a_against_a_never_keeps_and_rarely_says_regression() -> None:
    for preset in (FULL, QUICK):
        counts = _trials(RECORDED_SERIES, 0.0, 400, preset, seed=1)
        assert _share(counts, "KEEP") <= 0.025, counts
        assert _share(counts, "DISCARD/regression") <= 0.05, counts
        assert _share(counts, "TRADEOFF") <= 0.025, counts


def test_modelled_noise_a_against_a_holds_the_error_rates() -> None:
    for cv in (0.03, 0.15):
        counts = _trials(None, 0.0, 400, FULL, seed=2, cv=cv)
        assert _share(counts, "KEEP") <= 0.025, counts
        assert _share(counts, "DISCARD/regression") <= 0.05, counts


def test_a_gain_under_the_floor_is_never_called_a_clear_keep() -> None:
    counts = _trials(None, 0.02, 300, FULL, seed=3, cv=0.05)
    assert _share(counts, "KEEP/threshold") == 0.0, counts
    assert _share(counts, "DISCARD/regression") <= 0.025, counts


def test_a_gain_on_the_floor_is_called_noise_at_most_beta_of_the_time() -> None:
    # beta (20 %) bounds the chance that a change gaining the floor is called noise.
    for cv in (0.015, 0.05, 0.15):
        counts = _trials(None, 0.03, 300, FULL, seed=6, cv=cv)
        assert _share(counts, "DISCARD/noise") <= FULL.design.beta + 0.05, (cv, counts)
    counts = _trials(RECORDED_SERIES, 0.03, 300, QUICK, seed=6)
    assert _share(counts, "DISCARD/noise") <= QUICK.design.beta + 0.05, counts


def test_a_real_twenty_percent_gain_is_found_in_modelled_noise() -> None:
    counts = _trials(None, 0.20, 200, FULL, seed=4, cv=0.05)
    assert _share(counts, "KEEP") >= 0.9, counts
    assert _share(counts, "DISCARD") == 0.0, counts


def test_a_spent_budget_is_inconclusive_never_noise() -> None:
    counts = _trials(RECORDED_SERIES, 0.10, 200, QUICK, seed=5)
    unsettled = [k for k in counts if k.startswith("INCONCLUSIVE")]
    assert all(k == "INCONCLUSIVE/unproven" for k in unsettled), counts
    assert _share(counts, "DISCARD") <= 0.025, counts
