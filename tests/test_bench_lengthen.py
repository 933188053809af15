"""Longer runs only when the op count per run is the limit, pushed through the real loop."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence

from codeflash_lab.bench.lengthen import precision_gain, round_cost_ratio, worth_lengthening
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.rounds import run_rounds
from codeflash_lab.bench.sequential import Design


def _run(p50: float, half_log: float, arm: str, ops: int = 200) -> Run:
    """A run whose own 95 % p50 interval is ``p50 * exp(+-half_log)``."""
    lat = {
        "p50": p50,
        "p50_lo": p50 * math.exp(-half_log),
        "p50_hi": p50 * math.exp(half_log),
        "p90": p50 * 1.2,
        "p99": p50 * 1.5,
        "p999": p50 * 1.6,
        "max": p50 * 2,
        "min": p50 / 2,
        "mean": p50,
        "std": 0.1,
    }
    return Run(
        index=0,
        mode="closed",
        concurrency=10,
        ok_ops=ops,
        errors=0,
        error_kinds={},
        first_error=None,
        elapsed_s=1.0,
        throughput_ops_s=1000.0 / p50,
        latency_ms=lat,
        arm=arm,
    )


# Per-round spread of the p50 of about 5 % (A against A).
SPREAD = [1.0, 1.06, 0.95, 1.04, 0.97, 1.05, 0.94, 1.02]


class Machine:
    """Scripted rounds on a clock; each run's own interval shrinks as sqrt(run length)."""

    def __init__(self, half_log_at_1s: float) -> None:
        self.half = half_log_at_1s
        self.now = 0.0
        self.lengths: list[float] = []
        self.spread: Iterator[float] = itertools.cycle(SPREAD)

    def clock(self) -> float:
        return self.now

    def take(self, order: Sequence[str], config: BenchConfig) -> tuple[list[Run], bool]:
        self.lengths.append(config.run_seconds)
        half = self.half / math.sqrt(config.run_seconds)
        out = [_run(10.0 * next(self.spread), half, label) for label in order]
        self.now += 2 * (config.warmup_s + config.run_seconds + 0.3)
        return out, False


def _loop(machine: Machine) -> None:
    run_rounds(
        machine.take,
        config=BenchConfig(),
        design=Design(),
        budget_s=60,
        clock=machine.clock,
        stop_out_of_reach=False,
    )


def test_runs_are_not_lengthened_when_the_machine_is_the_noise() -> None:
    # Each run pins its p50 to +-1 % (95 %) while rounds wander by 5 %: the op count is not
    # the limit, so doubling the runs would only make every round longer. This is the shape
    # of a busy machine with a few hundred ops per run.
    m = Machine(half_log_at_1s=0.01)
    _loop(m)
    assert len(m.lengths) > 4
    assert set(m.lengths) == {1.0}


def test_runs_are_lengthened_when_their_own_op_count_explains_the_spread() -> None:
    # Each run pins its p50 only to +-12 % (a few dozen ops): the sampling explains all the
    # spread, so twice as long runs are worth their time.
    m = Machine(half_log_at_1s=0.12)
    _loop(m)
    assert m.lengths[:4] == [1.0] * 4
    assert max(m.lengths) in (2.0, 4.0)
    assert m.lengths == sorted(m.lengths)


def test_precision_gain_is_one_to_two() -> None:
    a = [_run(10.0 * s, 0.001, "A") for s in SPREAD]
    b = [_run(10.0 * s, 0.001, "B") for s in SPREAD[1:] + SPREAD[:1]]
    tight = precision_gain(a, b)
    assert tight is not None
    assert 1.0 <= tight < 1.01
    wide = precision_gain(
        [r.with_changes(latency_ms={**r.latency_ms, "p50_lo": 1.0, "p50_hi": 100.0}) for r in a],
        b,
    )
    assert wide == 2.0
    assert precision_gain(a[:1], b[:1]) is None


def test_runs_without_their_own_interval_fall_back_to_the_op_count() -> None:
    bare = [r.with_changes(latency_ms={"p50": r.latency_ms["p50"]}) for r in
            (_run(10.0, 0.01, "A", ops=100), _run(10.5, 0.01, "B", ops=100))]  # fmt: skip
    assert worth_lengthening(bare[:1], bare[1:], 1.5)
    many = [r.with_changes(ok_ops=5000) for r in bare]
    assert not worth_lengthening(many[:1], many[1:], 1.5)


def test_the_cost_of_a_longer_round_counts_the_fixed_part_of_each_run() -> None:
    now = BenchConfig()
    doubled = now.replace(duration_s=2.0, min_run_s=2.0)
    # A measured round of 3.6 s (two runs, 1 s measured each): 2 more seconds, not twice.
    assert round_cost_ratio(doubled, now, 3.6) == (3.6 + 2.0) / 3.6
    by_ops = BenchConfig(ops=50, warmup_s=0.0, min_run_s=0.0)
    assert round_cost_ratio(by_ops.replace(ops=100), by_ops) == 2.0


def test_runs_with_many_ops_keep_their_length_even_when_their_interval_is_wide() -> None:
    # 5000 ops per run: the planned looks settle without longer runs, whatever share of the
    # spread each run's own interval explains.
    a = [_run(10.0 * s, 0.12, "A", ops=5000) for s in SPREAD]
    b = [_run(10.0 * s, 0.12, "B", ops=5000) for s in SPREAD[1:] + SPREAD[:1]]
    gain = precision_gain(a, b)
    assert gain is not None
    assert gain > 1.5
    assert not worth_lengthening(a, b, 1.5)
    few = [r.with_changes(ok_ops=200) for r in (*a, *b)]
    assert worth_lengthening(few[: len(a)], few[len(a) :], 1.5)
