"""The event-loop lag monitor on real loops with planted stalls."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from asyncio import events

import pytest

from codeflash_lab.profiling.lag import LagMonitor, LagResult

HERE = __file__


def _line_of(func: object, needle: str) -> int:
    lines, first = inspect.getsourcelines(func)  # type: ignore[arg-type]
    return first + next(i for i, text in enumerate(lines) if needle in text)


async def _sleeps_in_coroutine() -> None:
    await asyncio.sleep(0.03)
    time.sleep(0.05)  # noqa: ASYNC251 (planted: blocks the loop)
    await asyncio.sleep(0.03)


def _crunch(seconds: float) -> int:
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:  # planted: CPU loop
        n += 1
    return n


async def _cpu_in_coroutine() -> None:
    await asyncio.sleep(0.03)
    _crunch(0.06)
    await asyncio.sleep(0.03)


async def _clean() -> None:
    for _ in range(10):
        await asyncio.sleep(0.01)


def _ours(result: LagResult) -> list:  # type: ignore[type-arg]
    # A busy machine can add unrelated stalls (a late wake-up of an idle loop);
    # the planted one is the stall that names this file.
    return [s for s in result.stalls if s.path == HERE]


def _monitor(work, **kwargs) -> LagResult:  # type: ignore[no-untyped-def]
    async def main() -> LagResult:
        async with LagMonitor(**kwargs) as mon:
            await work()
        return mon.result()

    return asyncio.run(main())


def test_a_blocking_sleep_is_one_stall_pointing_at_its_line() -> None:
    result = _monitor(_sleeps_in_coroutine)
    (stall,) = _ours(result)
    assert 30.0 <= stall.lag_ms <= 500.0
    assert stall.line == _line_of(_sleeps_in_coroutine, "time.sleep(0.05)")
    assert stall.task is not None
    assert stall.task.endswith("main")
    assert result.max_ms >= stall.lag_ms


def test_a_cpu_loop_is_attributed_to_the_function_that_spins() -> None:
    result = _monitor(_cpu_in_coroutine)
    (stall,) = _ours(result)
    assert 40.0 <= stall.lag_ms <= 500.0
    loop_line = _line_of(_crunch, "planted: CPU loop")
    assert stall.line in (loop_line, loop_line + 1)
    assert any(name == "_cpu_in_coroutine" for _p, _l, name in stall.stack)


def test_a_clean_program_blames_no_line_of_its_own() -> None:
    result = _monitor(_clean)
    assert len(result.samples) >= 5
    assert result.p50_ms < 20.0
    assert all(s.path != HERE for s in result.stalls)


def test_the_hook_measures_the_callback_itself_and_is_removed_afterwards() -> None:
    original = events.Handle._run
    result = _monitor(_sleeps_in_coroutine, hook=True)
    assert events.Handle._run is original
    (slow,) = [c for c in result.slow_callbacks if c.path == HERE]
    assert 45.0 <= slow.duration_ms <= 500.0
    (stall,) = _ours(result)
    assert stall.duration_ms == pytest.approx(slow.duration_ms)


def test_nested_hooked_monitors_restore_the_loop_machinery() -> None:
    original = events.Handle._run

    async def main() -> tuple[LagResult, LagResult]:
        async with LagMonitor(hook=True) as outer:
            async with LagMonitor(hook=True, threshold_ms=10.0) as inner:
                await _sleeps_in_coroutine()
            assert events.Handle._run is not original
        return outer.result(), inner.result()

    outer, inner = asyncio.run(main())
    assert events.Handle._run is original
    assert len([c for c in outer.slow_callbacks if c.path == HERE]) == 1
    assert len([c for c in inner.slow_callbacks if c.path == HERE]) == 1


def test_result_renders_as_dict_frame_text_and_html() -> None:
    result = _monitor(_sleeps_in_coroutine, sample_stacks=False)
    doc = json.loads(json.dumps(result.to_dict()))
    stalls = doc["stalls"]  # 1, or more when a busy machine adds an unrelated one
    assert stalls >= 1
    assert all(s["lag_ms"] > 20 for s in doc["stall_list"])
    assert {"p50_ms", "p99_ms", "max_ms", "samples", "interval_s"} <= set(doc)
    frame = result.to_frame()
    assert list(frame.columns) == ["t_s", "lag_ms", "stall"]
    assert int(frame["stall"].sum()) == stalls
    assert len(result.stalls_frame()) == stalls
    assert f"{stalls} stall(s) over 20 ms" in str(result)
    assert "<table" in result._repr_html_()


def test_a_monitor_cannot_be_entered_twice() -> None:
    async def main() -> None:
        mon = LagMonitor()
        async with mon:
            with pytest.raises(RuntimeError, match="already running"):
                await mon.__aenter__()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"interval_s": 0}, "interval_s"), ({"threshold_ms": -1}, "threshold_ms")]
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        LagMonitor(**kwargs)


def test_a_cancelled_block_still_stops_the_probe_and_removes_the_hook() -> None:
    original = events.Handle._run

    async def main() -> LagMonitor:
        mon = LagMonitor(hook=True)

        async def inner() -> None:
            async with mon:
                await asyncio.sleep(10)

        task = asyncio.create_task(inner())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return mon

    mon = asyncio.run(main())
    assert events.Handle._run is original
    assert mon.result().samples
    assert mon._watchdog is None
