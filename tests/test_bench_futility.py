"""The futility stop: scripted runs through the real round loop and decision code."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence

import pytest

from codeflash_lab.bench.futility import conditional_power, within_reach
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.rounds import run_rounds
from codeflash_lab.bench.sequential import Design
from codeflash_lab.verdicts import Rule


def _run(p50: float, arm: str) -> Run:
    lat = {"p50": p50, "p90": p50 * 1.2, "p99": p50 * 1.5, "p999": p50 * 2, "max": p50 * 3,
           "min": p50 / 2, "mean": p50, "std": 1.0}  # fmt: skip
    return Run(index=0, mode="closed", concurrency=1, ok_ops=5000, errors=0, error_kinds={},
               first_error=None, elapsed_s=1.0, throughput_ops_s=1000.0 / p50,
               latency_ms=lat, arm=arm)  # fmt: skip


class Script:
    """Rounds drawn from iterators of A's and B's p50, on a clock that moves 2 s per run."""

    def __init__(self, a: Iterator[float], b: Iterator[float]) -> None:
        self.a, self.b, self.now = a, b, 0.0

    def clock(self) -> float:
        return self.now

    def take(self, order: Sequence[str], config: BenchConfig) -> tuple[list[Run], bool]:
        out = []
        for label in order:
            out.append(_run(next(self.a if label == "A" else self.b), label))
            self.now += 2.0
        return out, False


def _noisy(seed: int, scale: float = 1.0, cv: float = 0.12) -> Iterator[float]:
    rng = random.Random(seed)
    while True:
        yield 10.0 * scale * rng.lognormvariate(0.0, cv)


def test_a_gain_on_the_floor_in_heavy_noise_stops_after_the_second_look_as_inconclusive() -> None:
    # 4 s rounds, 60 s budget: 15 rounds fit. With 12 % run noise, a true gain of 3 % (the
    # floor) cannot reach any zone by then, and the loop gives up at look 8 or 12 instead of
    # spending the budget.
    stopped = 0
    for seed in range(10):
        s = Script(_noisy(seed), _noisy(seed + 100, scale=0.97))
        out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=60, clock=s.clock)
        assert out.decision is not None
        assert out.decision.verdict != "KEEP"
        if out.out_of_reach:
            stopped += 1
            rounds = out.decision.rounds
            assert rounds in (8, 12)
            assert (out.decision.verdict, out.decision.rule) == ("INCONCLUSIVE", Rule.UNPROVEN)
            reason = out.decision.reason
            assert f"stopped after {rounds} rounds" in reason
            assert "rounds that 60 s hold would settle it" in reason
            assert "noise" not in reason.replace("separate it from noise", "")
            assert s.now <= 4 * rounds
    assert stopped >= 8


def test_the_first_look_never_stops_a_compare() -> None:
    s = Script(_noisy(1, cv=0.3), _noisy(2, cv=0.3))
    out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=60, clock=s.clock)
    assert out.decision is not None
    assert out.decision.rounds >= 8
    a, b = out.a_runs[:4], out.b_runs[:4]
    assert within_reach(a, b, design=Design(), at_rounds=16)


def test_a_clear_gain_is_still_found_in_the_same_noise() -> None:
    kept = 0
    for seed in range(10):
        s = Script(_noisy(seed), _noisy(seed + 100, scale=0.75))
        out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=60, clock=s.clock)
        assert out.decision is not None
        kept += out.decision.verdict == "KEEP"
        assert not out.out_of_reach
    assert kept >= 9


def test_without_the_stop_the_same_compare_spends_its_budget() -> None:
    s = Script(_noisy(3), _noisy(103, scale=0.97))
    out = run_rounds(
        s.take,
        config=BenchConfig(),
        design=Design(),
        budget_s=60,
        clock=s.clock,
        stop_out_of_reach=False,
    )
    assert out.decision is not None
    assert not out.out_of_reach
    assert out.decision.rounds > 8


def test_conditional_power_of_clear_and_hopeless_cases() -> None:
    design = Design()
    flat = list(itertools.islice(itertools.cycle([10.0, 11.0, 9.0, 10.5]), 8))
    # B 30 % faster with little spread: a zone is all but certain.
    faster = [x * 0.7 for x in flat[1:] + flat[:1]]
    assert conditional_power(flat, faster, lower_is_better=True, design=design, at_rounds=16) > 0.99
    # A gain sitting on the 3 % floor with 10 % spread: at 16 rounds neither the gain's
    # lower bound nor the noise bound can clear the floor.
    other = flat[2:] + flat[:2]
    on_floor = [x * 0.97 for x in other]
    low = conditional_power(flat, on_floor, lower_is_better=True, design=design, at_rounds=16)
    assert low < 0.05
    # No gain at all with the same spread: the noise bound may still fall under the floor.
    aa = conditional_power(flat, other, lower_is_better=True, design=design, at_rounds=16)
    assert 0.05 < aa < 0.5
    assert aa > 5 * low
    # No rounds left: the answer is what the current interval already says.
    assert conditional_power(flat, other, lower_is_better=True, design=design, at_rounds=8) in (
        0.0,
        1.0,
    )


@pytest.mark.parametrize("lower_is_better", [True, False])
def test_more_rounds_left_give_a_middling_gain_more_chance(lower_is_better: bool) -> None:
    rng = random.Random(7)
    a = [10 * rng.lognormvariate(0, 0.08) for _ in range(8)]
    factor = 0.9 if lower_is_better else 1.1
    b = [10 * factor * rng.lognormvariate(0, 0.08) for _ in range(8)]

    def power(n: int) -> float:
        return conditional_power(
            a, b, lower_is_better=lower_is_better, design=Design(), at_rounds=n
        )

    assert power(8) in (0.0, 1.0)
    assert power(10) < power(16)
