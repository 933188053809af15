"""sweep: finished levels are kept when a later run or the probe fails, and the probe has
the same wall-clock limit (``--run-timeout``) as every run.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from _dying_target import QUICK, by_index, exit_in_process, target_project
from _stopping_server import StoppingServer

from codeflash_lab.bench import sweep
from codeflash_lab.workspace import load_runs

# One call at a time is served; two in flight (the probe's gathered phase) never return.
BLOCK_WHEN_GATHERED = textwrap.dedent(
    """
    import asyncio

    _IN_FLIGHT = [0]


    async def op():
        _IN_FLIGHT[0] += 1
        try:
            if _IN_FLIGHT[0] > 1:
                await asyncio.Event().wait()
            await asyncio.sleep(0.001)
        finally:
            _IN_FLIGHT[0] -= 1
    """
)


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "sweep", "target.py:op", "--min-run", "0.15",
         "--warmup", "0.02", "--project", str(project), *args],
        capture_output=True, text=True, cwd=project, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_cli_a_target_that_exits_in_run_3_keeps_and_shows_the_first_two_levels(
    tmp_path: Path,
) -> None:
    project = target_project(tmp_path, exit_in_process(3))
    proc = _cli(project, "--concurrency", "1,2,4")
    assert proc.returncode == 2, proc.stderr
    rows = [line.split()[0] for line in proc.stdout.splitlines()[2:4]]
    assert rows == ["1", "2"]
    assert "stopped: run 3 of 3 (concurrency 4) failed" in proc.stdout
    assert "the 2 finished runs are kept" in proc.stderr
    assert f"saved in {project / '.codeflash' / 'runs'}" in proc.stderr
    assert "Traceback" not in proc.stderr
    saved = load_runs(project, "run")
    assert [(d["index"], d["config"]["concurrency"]) for d in by_index(saved)] == [(0, 1), (1, 2)]
    (whole,) = load_runs(project, "sweep")
    assert [lv["concurrency"] for lv in whole["levels"]] == [1, 2]
    assert "run 3 of 3 (concurrency 4) failed" in whole["failure"]
    assert whole["probe"] is None


@pytest.mark.slow
def test_a_level_cut_short_keeps_its_finished_run(tmp_path: Path) -> None:
    project = target_project(tmp_path, exit_in_process(4))
    result = sweep("target.py:op", levels=[1, 2], config=QUICK, runs=2, isolation="process",
                   project=project, progress=False)  # fmt: skip
    assert [(lv.concurrency, len(lv.runs)) for lv in result.levels] == [(1, 2), (2, 1)]
    assert result.failure is not None
    assert "run 4 of 4 (concurrency 2) failed" in result.failure
    assert result.probe is None
    saved = load_runs(project, "run")
    assert [d["index"] for d in by_index(saved)] == [0, 1, 2]
    (whole,) = load_runs(project, "sweep")
    assert whole["failure"] == result.failure
    assert result.saved_to == whole["_path"]


@pytest.mark.slow
def test_a_probe_that_fails_after_every_level_keeps_the_levels(tmp_path: Path) -> None:
    project = target_project(tmp_path, exit_in_process(2))  # the probe's process
    result = sweep("target.py:op", levels=[1], config=QUICK, isolation="process",
                   project=project, progress=False)  # fmt: skip
    assert [lv.concurrency for lv in result.levels] == [1]
    assert result.probe is None
    assert result.failure is not None
    assert result.failure.startswith("the concurrency probe failed")
    assert "stopped: the concurrency probe failed" in result.format_text()
    assert "stopped: the concurrency probe failed" in result._repr_html_()
    (whole,) = load_runs(project, "sweep")
    assert whole["failure"] == result.failure


def test_a_server_that_stops_between_levels_keeps_the_first(tmp_path: Path) -> None:
    (tmp_path / ".codeflash").mkdir()
    # Level 1 opens two connections (the reachability check and one worker's).
    with StoppingServer(accept=2) as srv:
        result = sweep(srv.url + "/", levels=[1, 2], config=QUICK, isolation="loop",
                       project=tmp_path, progress=False)  # fmt: skip
    assert [lv.concurrency for lv in result.levels] == [1]
    assert result.levels[0].runs[0].ok_ops > 0
    assert result.failure is not None
    assert "run 2 of 2 (concurrency 2) failed" in result.failure
    assert "connection refused" in result.failure
    assert [d["index"] for d in load_runs(tmp_path, "run")] == [0]
    (whole,) = load_runs(tmp_path, "sweep")
    assert whole["failure"] == result.failure


@pytest.mark.slow
def test_cli_the_probe_of_a_target_that_blocks_forever_stops_at_run_timeout(
    tmp_path: Path,
) -> None:
    project = target_project(tmp_path, BLOCK_WHEN_GATHERED)
    proc = _cli(project, "--concurrency", "1", "--run-timeout", "3")
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout.splitlines()[2].split()[0] == "1"  # the level is shown
    assert "the concurrency probe failed" in proc.stderr
    assert "did not finish within" in proc.stderr
    (whole,) = load_runs(project, "sweep")
    assert len(whole["levels"]) == 1
    assert whole["probe"] is None


def test_the_probe_in_a_fresh_loop_is_cancelled_at_run_timeout() -> None:
    namespace: dict[str, Any] = {"asyncio": asyncio}
    exec(BLOCK_WHEN_GATHERED, namespace)
    box: dict[str, Any] = {}

    def main() -> None:
        box["result"] = sweep(namespace["op"], levels=[1], config=QUICK.replace(run_timeout_s=1.0),
                              isolation="loop", save=False, progress=False)  # fmt: skip

    worker = threading.Thread(target=main, daemon=True)
    worker.start()
    worker.join(60)  # without a limit the probe waits forever
    assert not worker.is_alive()
    result = box["result"]
    assert [lv.concurrency for lv in result.levels] == [1]
    assert result.probe is None
    assert "the concurrency probe failed" in result.failure
    assert "did not finish within 1 s" in result.failure
