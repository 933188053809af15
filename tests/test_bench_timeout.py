"""A wall-clock limit per run in every mode, and one Ctrl-C that stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codeflash_lab.bench import BenchConfig, bench
from codeflash_lab.workspace import Methodology, load_runs

# The second fresh loop (run 2 in loop isolation) blocks its thread without awaiting.
BLOCK_IN_SECOND_LOOP = textwrap.dedent(
    """
    import asyncio, time

    _LOOPS = []


    async def op():
        loop = asyncio.get_running_loop()
        if loop not in _LOOPS:
            _LOOPS.append(loop)
        if len(_LOOPS) >= 2:
            time.sleep({seconds})
        await asyncio.sleep(0)
    """
)

# Every fresh process after the first blocks forever.
BLOCK_IN_SECOND_PROCESS = textwrap.dedent(
    """
    import asyncio, pathlib, time

    _COUNT = pathlib.Path(__file__).with_name("imports.txt")
    _N = int(_COUNT.read_text()) if _COUNT.exists() else 0
    _COUNT.write_text(str(_N + 1))


    async def op():
        if _N >= 1:
            time.sleep(3600)
        await asyncio.sleep(0)
    """
)

OPS = BenchConfig(ops=200, min_run_s=0.1, warmup_s=0.02)


def _blocking_op(seconds: float):  # type: ignore[no-untyped-def]
    namespace: dict[str, object] = {}
    exec(BLOCK_IN_SECOND_LOOP.format(seconds=seconds), namespace)
    return namespace["op"]


def test_every_mode_has_a_run_limit_and_it_is_not_part_of_the_methodology() -> None:
    from codeflash_lab.bench.runner import run_time_limit

    assert run_time_limit(BenchConfig(ops=10)) == 300.0
    assert run_time_limit(BenchConfig(ops=10, run_timeout_s=7)) == 7
    assert run_time_limit(BenchConfig(duration_s=2, warmup_s=0.5, timeout_s=10)) == 77.5
    from codeflash_lab.bench.session import methodology_for

    with_limit = methodology_for("m:f", BenchConfig(ops=10, run_timeout_s=5))
    assert with_limit.id == Methodology(target="m:f", concurrency=1, ops=10).id
    with pytest.raises(ValueError, match="run_timeout_s"):
        BenchConfig(run_timeout_s=0)


def test_a_run_that_blocks_its_loop_inside_a_running_loop_is_left_and_said_so() -> None:
    # Inside a running loop (a Jupyter kernel) the run is in a worker thread that
    # cannot be killed: the wait ends at the limit and the finished run is kept.
    op = _blocking_op(6)

    async def kernel_cell():  # type: ignore[no-untyped-def]
        return bench(op, config=OPS.replace(run_timeout_s=1.0), runs=3, progress=False)

    started = time.monotonic()
    result = asyncio.run(kernel_cell())
    assert time.monotonic() - started < 5.5  # before the target's 6 s sleep ends
    assert len(result.runs) == 1
    assert result.failure is not None
    assert "run 2 of 3 failed: the run did not finish within 1 s" in result.failure
    assert "thread is left running in the background" in result.failure


def test_a_run_that_awaits_forever_is_cancelled_at_the_limit() -> None:
    seen: list[asyncio.AbstractEventLoop] = []

    async def op() -> None:
        loop = asyncio.get_running_loop()
        if loop not in seen:
            seen.append(loop)
        if len(seen) >= 2:
            await asyncio.Event().wait()
        await asyncio.sleep(0)

    result = bench(op, config=OPS.replace(run_timeout_s=0.8, timeout_s=None), runs=2,
                   progress=False)  # fmt: skip
    assert len(result.runs) == 1
    assert result.failure is not None
    assert "did not finish within 0.8 s; it was cancelled" in result.failure


@pytest.mark.slow
def test_cli_run_timeout_stops_a_fresh_process_that_blocks_forever(tmp_path: Path) -> None:
    (tmp_path / "target.py").write_text(BLOCK_IN_SECOND_PROCESS)
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "bench", "target.py:op", "--ops", "200",
         "--runs", "3", "--min-run", "0.1", "--warmup", "0.02", "--run-timeout", "1",
         "--isolation", "process", "--no-save"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "run 2 of 3 failed" in proc.stderr
    assert "  run 0:" in proc.stdout


@pytest.mark.slow
def test_one_ctrl_c_stops_a_blocked_loop_run_and_keeps_the_finished_one(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / ".codeflash").mkdir(parents=True)
    (project / "target.py").write_text(BLOCK_IN_SECOND_LOOP.format(seconds=60))
    # Started with SIGINT ignored, as a background job is: the CLI must restore a
    # handler that raises while runs are in progress.
    proc = subprocess.Popen(
        [sys.executable, "-m", "codeflash_lab", "bench", "target.py:op", "--ops", "200",
         "--runs", "3", "--min-run", "0.1", "--warmup", "0.02", "--isolation", "loop",
         "--project", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=project,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not load_runs(project, "run") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert load_runs(project, "run"), "the first run never finished"
        time.sleep(0.3)  # run 2 is blocked in its thread now
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "interrupted; the finished runs are shown" in err
    assert "Traceback" not in err
    assert "  run 0:" in out
    (whole,) = load_runs(project, "bench")
    assert whole["interrupted"] is True
    assert len(whole["runs"]) == 1
