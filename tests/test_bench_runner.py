"""One run in a fresh event loop or a fresh process; never on the caller's loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from codeflash_lab.bench import BenchConfig, bench
from codeflash_lab.errors import TargetError

QUICK = BenchConfig(concurrency=2, min_run_s=0.15, warmup_s=0.02)


def test_object_target_runs_in_a_fresh_loop_even_inside_a_running_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []  # kept alive, so identities stay distinct

    async def op() -> None:
        loop = asyncio.get_running_loop()
        if not any(seen is loop for seen in loops):
            loops.append(loop)
        await asyncio.sleep(0)

    async def notebook_cell() -> tuple[object, asyncio.AbstractEventLoop]:
        result = bench(op, config=QUICK, runs=2, progress=False)
        return result, asyncio.get_running_loop()

    result, caller_loop = asyncio.run(notebook_cell())
    assert len(result.runs) == 2  # type: ignore[attr-defined]
    assert result.runs[0].isolation == "loop"  # type: ignore[attr-defined]
    assert all(loop is not caller_loop for loop in loops)
    assert len(loops) == 2  # one fresh loop per run


@pytest.mark.slow
def test_spec_target_runs_in_a_fresh_process(tmp_path: Path) -> None:
    (tmp_path / "work_proc.py").write_text(
        "import asyncio, os\nPIDS = set()\nasync def op(ms):\n    await asyncio.sleep(ms / 1000)\n"
    )
    result = bench("work_proc.py:op", 1, config=QUICK, runs=2, cwd=tmp_path, progress=False)
    assert [r.isolation for r in result.runs] == ["process", "process"]
    assert result.ops > 0
    doc = result.to_dict()
    for key in ("target", "mode", "concurrency", "ops", "errors", "throughput_ops_s", "runs"):
        assert key in doc
    assert set(doc["latency_ms"]) == {"p50", "p90", "p99", "p999", "max", "mean"}
    assert doc["environment"]["nproc"] >= 1


def test_unimportable_target_in_a_fresh_process(tmp_path: Path) -> None:
    (tmp_path / "broken_mod.py").write_text("import not_installed_anywhere\n")
    with pytest.raises(TargetError, match=r"broken_mod\.py:op"):
        bench("broken_mod.py:op", config=QUICK, runs=1, cwd=tmp_path, progress=False)


def test_importing_bench_does_not_apply_nest_asyncio() -> None:
    out = subprocess.run(
        [sys.executable, "-c",
         "import asyncio, codeflash_lab.bench; print(asyncio.Task.__module__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert out == "_asyncio"
