"""The open-loop driver: schedules, latency from the intended start, drops."""

from __future__ import annotations

import asyncio
import time

from codeflash_lab.bench.openloop import arrival_offsets_ns, run_open


async def short_sleep() -> None:
    await asyncio.sleep(0.002)


def test_arrival_schedules() -> None:
    constant = arrival_offsets_ns(100.0, 0.5)
    assert len(constant) == 50
    assert constant[1] - constant[0] == 10_000_000
    poisson = arrival_offsets_ns(1000.0, 1.0, arrivals="poisson", seed=7)
    assert poisson == arrival_offsets_ns(1000.0, 1.0, arrivals="poisson", seed=7)
    assert 850 < len(poisson) < 1150
    assert poisson == sorted(poisson)


def test_open_loop_measures_from_the_intended_start() -> None:
    raw = asyncio.run(
        run_open(lambda _w: short_sleep, pool=10, rate=500.0, seconds=0.3, warmup_s=0.0)
    )
    assert len(raw.latencies_ns) == 150
    assert raw.dropped == 0
    assert raw.service_ns is not None
    assert raw.schedule_lag_ns is not None
    assert len(raw.schedule_lag_ns) == 150
    # latency from the intended start includes the dispatcher's lateness
    assert sorted(raw.latencies_ns)[75] >= sorted(raw.service_ns)[75]


def test_open_loop_counts_drops_when_a_stall_fills_the_backlog() -> None:
    async def stall_once() -> None:
        if not stalled:
            stalled.append(True)
            time.sleep(0.2)  # noqa: ASYNC251 - a deliberate loop stall
        await asyncio.sleep(0)

    stalled: list[bool] = []
    raw = asyncio.run(
        run_open(
            lambda _w: stall_once,
            pool=2,
            rate=1000.0,
            seconds=0.4,
            warmup_s=0.0,
            max_backlog=20,
        )
    )
    assert raw.dropped > 0
    # the stall shows in latency from the intended start
    assert max(raw.latencies_ns) > 100_000_000
