"""yappi WALL profiles of real coroutines: awaiting vs. working, crashes, targets."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

import pytest

from codeflash_lab.errors import ProfilingError, TargetError
from codeflash_lab.profiling.yappi_profile import (
    OWN_PASS_NOTE,
    profile_block,
    profile_callable,
    profile_target,
    reading_for,
)


async def waits_on_io() -> None:
    await asyncio.sleep(0.08)


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


async def works_hard() -> None:
    _spin(1_000_000)
    await asyncio.sleep(0)


async def handler() -> None:
    await waits_on_io()
    await works_hard()


def test_a_coroutine_awaiting_sleep_has_ttot_far_above_tsub() -> None:
    result = profile_callable(handler)
    io = result.row("waits_on_io")
    assert io.ncall == 1
    assert io.ttot_s >= 0.07
    assert io.tsub_s * 20 < io.ttot_s
    assert io.reading == "awaits something slow"
    spin = result.row("_spin")
    assert spin.tsub_s > 0.9 * spin.ttot_s
    assert spin.reading == "itself slow"
    assert io.path == __file__
    assert result.calls == 1
    assert result.error is None
    assert OWN_PASS_NOTE in str(result)


def test_a_target_that_crashes_midway_keeps_the_partial_profile() -> None:
    async def crashes() -> None:
        await waits_on_io()
        raise RuntimeError("midway")

    result = profile_callable(crashes)
    assert result.error == "RuntimeError: midway"
    assert result.calls == 0
    assert result.row("waits_on_io").ttot_s >= 0.07
    assert "partial profile" in str(result)


def test_a_block_can_be_profiled_from_async_code() -> None:
    async def main() -> None:
        with profile_block() as prof:
            await handler()
        result = prof.result(target="handler block")
        assert result.row("handler").ttot_s >= 0.1
        with pytest.raises(KeyError):
            result.row("not_there")

    asyncio.run(main())


def test_a_second_profile_while_one_runs_is_refused() -> None:
    with profile_block(), pytest.raises(ProfilingError, match="already running"), profile_block():
        pass


def test_results_render_as_json_frame_text_and_html() -> None:
    result = profile_callable(handler, top=2)
    assert len(result.rows) == 2
    assert result.hidden_rows > 0
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["clock"] == "wall"
    assert {"name", "where", "ncall", "ttot_s", "tsub_s", "reading"} <= set(doc["rows"][0])
    frame = result.to_frame()
    assert list(frame.columns) == ["name", "where", "ncall", "ttot_s", "tsub_s", "reading"]
    assert "own pass" in result._repr_html_()


def test_a_file_target_is_profiled_repeatedly_for_its_duration(tmp_path: Path) -> None:
    (tmp_path / "svc.py").write_text(
        "import asyncio\n\nasync def op():\n    await asyncio.sleep(0.002)\n", encoding="utf-8"
    )
    result = profile_target("svc.py:op", cwd=str(tmp_path), duration_s=0.1)
    assert result.calls > 1
    assert result.row("op").ncall == result.calls
    assert result.target == "svc.py:op"


def test_a_target_that_cannot_be_resolved_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError):
        profile_target("missing.py:op", cwd=str(tmp_path))


def test_reading_rules() -> None:
    assert reading_for(ttot=0.5, tsub=0.01, wall=1.0) == "awaits something slow"
    assert reading_for(ttot=0.5, tsub=0.4, wall=1.0) == "itself slow"
    assert reading_for(ttot=0.5, tsub=0.2, wall=1.0) == "both"
    assert reading_for(ttot=0.01, tsub=0.01, wall=1.0) == ""


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"duration_s": -1}, "duration_s"), ({"top": 0}, "top")]
)
def test_bad_arguments_name_the_parameter(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        profile_callable(handler, **kwargs)  # type: ignore[arg-type]


WAITS = """\
import asyncio
import time


def burn():
    end = time.perf_counter() + 0.25
    while time.perf_counter() < end:
        pass


async def waits_on_thread():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, time.sleep, 0.25)


async def computes():
    burn()


async def scenario():
    await waits_on_thread()
    await computes()
"""


def test_a_coroutine_waiting_on_a_thread_reads_waiting_not_itself_slow(tmp_path: Path) -> None:
    (tmp_path / "waits.py").write_text(WAITS, encoding="utf-8")
    # in this process, and in a child running the project's interpreter
    spec = importlib.util.spec_from_file_location("waits_in_process", tmp_path / "waits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for result in (
        profile_callable(module.scenario),
        profile_target("waits.py:scenario", cwd=str(tmp_path), duration_s=0.0),
    ):
        assert result.row("waits_on_thread").reading == "waiting"
        assert result.row("burn").reading in ("itself slow", "both")  # computing, not waiting
        assert any("CPU-clock pass" in n for n in result.notes)


def test_reading_rules_with_a_cpu_pass() -> None:
    assert reading_for(ttot=0.5, tsub=0.4, wall=1.0, off_cpu=True) == "waiting"
    assert reading_for(ttot=0.5, tsub=0.2, wall=1.0, off_cpu=True) == "waiting"
    assert reading_for(ttot=0.5, tsub=0.01, wall=1.0, off_cpu=True) == "awaits something slow"
