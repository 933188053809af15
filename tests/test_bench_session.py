"""Series of runs: bad targets, HTTP errors, Ctrl-C, workspace saving and the lock."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from _loopback_server import LoopbackServer

from codeflash_lab.bench import BenchConfig, abench, bench
from codeflash_lab.errors import MethodologyError, TargetError
from codeflash_lab.workspace import (
    Methodology,
    Workspace,
    load_methodology,
    load_runs,
    lock_methodology,
)

QUICK = BenchConfig(concurrency=2, min_run_s=0.15, warmup_s=0.02)


async def tiny_sleep() -> None:
    await asyncio.sleep(0.001)


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


def test_abench_does_not_block_the_callers_loop() -> None:
    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        await abench(tiny_sleep, config=QUICK, runs=1, progress=False)
        task.cancel()
        return ticks

    assert asyncio.run(main()) >= 5


def test_unimportable_target_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="cannot import 'no_such_mod_q'") as info:
        bench("no_such_mod_q:op", config=QUICK, runs=1, cwd=tmp_path, progress=False)
    assert "\n" not in str(info.value)


def test_raising_target_is_counted_and_reported() -> None:
    calls = [0]

    async def flaky() -> None:
        calls[0] += 1
        if calls[0] % 2:
            raise RuntimeError("odd call")
        await asyncio.sleep(0)

    result = bench(flaky, config=QUICK, runs=1, progress=False)
    run = result.runs[0]
    assert run.errors > 0
    assert run.ok_ops > 0
    assert run.error_kinds == {"RuntimeError": run.errors}
    assert "op-errors" in {w.code for w in result.warnings}


def test_http_target_with_errors_counted(server: LoopbackServer) -> None:
    ok = bench(server.url + "/slow", config=QUICK.replace(concurrency=5), runs=1, progress=False)
    assert ok.runs[0].errors == 0
    assert ok.latency_ms["p50"] >= 10.0
    bad = bench(server.url + "/status/500", config=QUICK, runs=1, progress=False)
    assert bad.runs[0].ok_ops == 0
    assert bad.runs[0].error_kinds.keys() == {"HttpStatusError"}


def test_refused_connection_is_a_clear_error() -> None:
    gone = LoopbackServer().start()
    url = gone.url + "/ok"
    gone.stop()
    with pytest.raises(TargetError, match="connection refused"):
        bench(url, config=QUICK, runs=1, progress=False)


@pytest.mark.slow
def test_port_closing_mid_run_keeps_partial_results() -> None:
    srv = LoopbackServer().start()
    stopper = threading.Timer(0.3, srv.stop)
    stopper.start()
    try:
        result = bench(
            srv.url + "/ok",
            config=QUICK.replace(min_run_s=0.8, timeout_s=1.0),
            runs=1,
            isolation="loop",
            progress=False,
        )
    finally:
        stopper.join()
        srv.stop()
    run = result.runs[0]
    assert run.ok_ops > 0
    assert run.errors > 0


def test_ctrl_c_keeps_the_finished_runs() -> None:
    calls = [0]

    async def op() -> None:
        calls[0] += 1
        if calls[0] > 3000:
            raise KeyboardInterrupt
        await asyncio.sleep(0)

    result = bench(op, config=BenchConfig(ops=1000, min_run_s=0, warmup_s=0), runs=5,
                   progress=False)  # fmt: skip
    assert result.interrupted
    assert 1 <= len(result.runs) < 5
    assert "interrupted" in {w.code for w in result.warnings}


def test_results_are_saved_and_the_lock_is_checked(tmp_path: Path) -> None:
    (tmp_path / ".codeflash").mkdir()
    (tmp_path / "work_ws.py").write_text("async def op():\n    return None\n")
    result = bench("work_ws.py:op", config=QUICK, runs=1, project=tmp_path, isolation="loop",
                   progress=False)  # fmt: skip
    assert result.saved_to is not None
    saved = load_runs(tmp_path, "bench")
    assert len(saved) == 1
    assert saved[0]["methodology_id"] == result.methodology_id
    ws = Workspace(tmp_path)
    # the first saved measurement of a target locks its methodology
    locked = load_methodology(ws, "work_ws.py:op")
    assert locked is not None
    assert locked.id == result.methodology_id
    with pytest.raises(MethodologyError, match="concurrency"):
        bench("work_ws.py:op", config=replace(QUICK, concurrency=50), runs=1, project=tmp_path,
              progress=False)  # fmt: skip
    lock_methodology(ws, Methodology(target="other.py:op", concurrency=50))
    assert load_methodology(ws) == locked  # another target's lock sits beside the first


def test_loop_stalls_are_seen_by_the_lag_monitor() -> None:
    calls = [0]

    async def sometimes_blocks() -> None:
        calls[0] += 1
        if calls[0] % 20 == 0:
            time.sleep(0.03)  # noqa: ASYNC251 - the stall under test
        await asyncio.sleep(0.001)

    result = bench(sometimes_blocks, config=QUICK.replace(min_run_s=0.3), runs=1, progress=False)
    run = result.runs[0]
    assert run.lag_max_ms is not None
    assert run.lag_max_ms >= 20.0
    assert run.lag_stalls
    assert "loop-lag-stalls" in {w.code for w in result.warnings}
