"""The closed-loop driver on a real event loop, with real coroutines."""

from __future__ import annotations

import asyncio

from codeflash_lab.bench.drivers import run_closed


async def noop() -> None:
    return None


async def short_sleep() -> None:
    await asyncio.sleep(0.002)


def test_closed_loop_runs_the_requested_ops_and_discards_warmup() -> None:
    raw = asyncio.run(
        run_closed(lambda _w: noop, concurrency=3, ops=5000, seconds=0.0, warmup_s=0.01)
    )
    assert len(raw.latencies_ns) == 5000
    assert raw.errors == 0
    assert raw.warmup_ops >= 500  # at least 10% of ops
    assert all(v >= 0 for v in raw.latencies_ns)


def test_closed_loop_by_duration_keeps_every_worker_busy() -> None:
    raw = asyncio.run(
        run_closed(lambda _w: short_sleep, concurrency=5, ops=None, seconds=0.2, warmup_s=0.02)
    )
    assert raw.elapsed_ns >= 200_000_000
    # five sleepers overlap: far more ops than one sleeper could finish
    assert len(raw.latencies_ns) > 0.2 / 0.003 * 2


def test_errors_are_counted_and_the_run_goes_on() -> None:
    calls = [0]

    async def flaky() -> None:
        calls[0] += 1
        if calls[0] % 4 == 0:
            raise ValueError("every fourth call fails\nsecond line")

    raw = asyncio.run(
        run_closed(lambda _w: flaky, concurrency=2, ops=400, seconds=0.0, warmup_s=0.0)
    )
    assert raw.errors == 100
    assert len(raw.latencies_ns) == 300
    assert raw.error_kinds == {"ValueError": 100}
    assert raw.first_error == "ValueError: every fourth call fails"


def test_hanging_op_times_out_per_op() -> None:
    async def hang() -> None:
        await asyncio.Event().wait()

    raw = asyncio.run(
        run_closed(
            lambda _w: hang, concurrency=2, ops=None, seconds=0.3, warmup_s=0.0, timeout_s=0.1
        )
    )
    assert raw.errors >= 2
    assert raw.error_kinds.keys() == {"TimeoutError"}
    assert raw.latencies_ns == []


def test_batch_timing_divides_by_the_batch() -> None:
    raw = asyncio.run(
        run_closed(lambda _w: noop, concurrency=1, ops=100, seconds=0.0, warmup_s=0.0, batch=50)
    )
    assert len(raw.latencies_ns) == 100


def test_around_wraps_only_the_measured_phase() -> None:
    seen: list[str] = []

    class Around:
        async def __aenter__(self) -> None:
            seen.append("enter")

        async def __aexit__(self, *exc: object) -> None:
            seen.append("exit")

    asyncio.run(
        run_closed(lambda _w: noop, concurrency=1, ops=10, seconds=0.0, warmup_s=0.0, around=Around)
    )
    assert seen == ["enter", "exit"]
