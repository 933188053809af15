"""Sweep over concurrency levels, the knee, Little's law and the blocking probe."""

from __future__ import annotations

import asyncio
import time

import pytest

from codeflash_lab.bench import BenchConfig, probe_concurrency, sweep
from codeflash_lab.bench.sweep import find_knee

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
