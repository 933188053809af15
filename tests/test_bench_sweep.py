"""Sweep over concurrency levels, the knee, Little's law and the blocking probe."""

from __future__ import annotations

import asyncio
import time

import pytest

from codeflash_lab.bench import BenchConfig, probe_concurrency, sweep
from codeflash_lab.bench.model import Run
from codeflash_lab.bench.sweep import ConcurrencyProbe, SweepLevel, SweepResult, find_knee

QUICK = BenchConfig(min_run_s=0.12, warmup_s=0.02)


async def waits() -> None:
    await asyncio.sleep(0.002)


async def blocks() -> None:
    time.sleep(0.001)  # noqa: ASYNC251 - the blocking target under test


def test_find_knee() -> None:
    levels = [(1, 100.0, 1.0), (2, 195.0, 1.1), (4, 380.0, 1.2), (8, 390.0, 2.5), (16, 392.0, 5.0)]
    assert find_knee(levels) == 4
    assert find_knee([(1, 100.0, 1.0), (2, 200.0, 1.0)]) is None


def test_probe_tells_waiting_from_blocking() -> None:
    concurrent = probe_concurrency(waits, n=10)
    assert not concurrent.blocking
    assert concurrent.ratio > 3
    blocking = probe_concurrency(blocks, n=10)
    assert blocking.blocking
    assert blocking.ratio < 2.0


@pytest.mark.slow
def test_sweep_scales_a_waiting_target_and_checks_littles_law() -> None:
    result = sweep(waits, levels=[1, 4], config=QUICK, progress=False)
    low, high = result.levels
    assert high.throughput_ops_s > 2 * low.throughput_ops_s
    for level in result.levels:
        assert 0.3 < level.littles_ratio < 1.3
    assert result.probe is not None
    assert not result.probe.blocking
    assert "knee" in result.to_dict()
    assert list(result.to_frame()["concurrency"]) == [1, 4]


def test_sweep_rejects_bad_levels() -> None:
    with pytest.raises(ValueError, match="levels"):
        sweep(waits, levels=[4, 2])


def _level(conc: int, ops_s: float, *, cpu: float, dropped: int = 0) -> SweepLevel:
    run = Run(
        index=0, mode="closed", concurrency=conc, ok_ops=1000, errors=0, error_kinds={},
        first_error=None, elapsed_s=1.0, throughput_ops_s=ops_s,
        latency_ms={"p50": 1.0, "p90": 1.2, "p99": 2.0, "p999": 2.5, "max": 3.0, "min": 0.5,
                    "mean": 1.0, "std": 0.1},
        client_cpu=cpu, dropped=dropped,
    )  # fmt: skip
    return SweepLevel(conc, ops_s, 1.0, 2.0, 1.0, ops_s / 1000 / conc, (run,))


def test_sweep_text_says_what_its_columns_and_probe_mean() -> None:
    probe = ConcurrencyProbe(8, 0.080, 0.075, 1.07, True)
    busy = SweepResult("mod:f", QUICK, (_level(1, 900.0, cpu=0.97), _level(8, 950.0, cpu=0.98)),
                       None, probe)  # fmt: skip
    text = busy.format_text()
    assert "no knee up to concurrency 8" in text
    assert "X*R/N: ops/s x mean latency / concurrency (Little's law)" in text
    assert "took 80.0 ms, gathered 75.0 ms" in text
    assert "CPU-bound" in text
    assert "BLOCKING" not in text
    idle = SweepResult("mod:f", QUICK, (_level(1, 90.0, cpu=0.05),), None, probe)
    assert "BLOCKING: the calls hold the event loop" in idle.format_text()


def test_open_loop_sweep_text_puts_dropped_arrivals_next_to_the_percentiles() -> None:
    config = QUICK.replace(rate=100.0)
    levels = (_level(4, 80.0, cpu=0.2, dropped=37),)
    text = SweepResult("mod:f", config, levels, 4).format_text()
    assert "dropped" in text.splitlines()[1]
    assert text.splitlines()[2].split()[-3] == "37"
    assert "dropped arrivals are in no percentile" in text
    assert "knee at concurrency 4" in text
