"""A run that fails after others finished never throws the finished ones away."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from _dying_target import QUICK, exit_in_process, target_project

from codeflash_lab.bench import bench
from codeflash_lab.errors import TargetError
from codeflash_lab.workspace import load_runs

# In loop isolation every run has its own fresh loop: the third loop seen exits.
EXIT_IN_THIRD_LOOP = textwrap.dedent(
    """
    import asyncio, os

    _LOOPS = []


    async def op():
        loop = asyncio.get_running_loop()
        if loop not in _LOOPS:
            _LOOPS.append(loop)  # kept, so no id is reused
        if len(_LOOPS) >= 3:
            os._exit(3)
        await asyncio.sleep(0)
    """
)


def _cli(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "bench", "target.py:op", "--runs", "4",
         "--min-run", "0.2", "--warmup", "0.05", "--project", str(project), *extra],
        capture_output=True, text=True, cwd=project, timeout=180, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_a_child_that_exits_in_run_3_keeps_and_shows_runs_1_and_2(tmp_path: Path) -> None:
    project = target_project(tmp_path, exit_in_process(3, pause_s=0))
    proc = _cli(project, "--isolation", "process")
    assert proc.returncode == 2
    assert "run 3 of 4 failed" in proc.stderr
    assert "the 2 finished runs are kept" in proc.stderr
    assert "  run 0:" in proc.stdout
    assert "  run 1:" in proc.stdout
    saved = load_runs(project, "run")
    assert sorted(doc["index"] for doc in saved) == [0, 1]
    (whole,) = load_runs(project, "bench")
    assert len(whole["runs"]) == 2
    assert "run 3 of 4 failed" in whole["failure"]


@pytest.mark.slow
def test_a_target_that_exits_the_process_in_run_3_leaves_runs_1_and_2_saved(
    tmp_path: Path,
) -> None:
    project = target_project(tmp_path, EXIT_IN_THIRD_LOOP)
    proc = _cli(project, "--isolation", "loop")
    assert proc.returncode == 3  # the target ended the process itself
    saved = load_runs(project, "run")
    assert sorted(doc["index"] for doc in saved) == [0, 1]
    assert all(doc["run"]["ok_ops"] > 0 for doc in saved)
    assert len({doc["series"] for doc in saved}) == 1


class ClosingServer:
    """HTTP on 127.0.0.1 that stops listening after ``accept`` connections (a dying server)."""

    def __init__(self, accept: int) -> None:
        self.accept = accept
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._server: asyncio.Server | None = None
        self._accepted = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._accepted += 1
        if self._accepted >= self.accept and self._server is not None:
            self._server.close()  # no new connections from now on
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.run_until_complete(asyncio.sleep(0.01))
        self._loop.close()

    def start(self) -> ClosingServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def dying_server() -> Iterator[ClosingServer]:
    # Run 1 opens two connections (the reachability check and one worker's).
    srv = ClosingServer(accept=2).start()
    yield srv
    srv.stop()


def test_a_server_that_dies_between_runs_keeps_the_finished_run(
    dying_server: ClosingServer, tmp_path: Path
) -> None:
    (tmp_path / ".codeflash").mkdir()
    url = f"http://127.0.0.1:{dying_server.port}/"
    result = bench(url, config=QUICK, runs=3, isolation="loop", project=tmp_path, progress=False)
    assert len(result.runs) == 1
    assert result.runs[0].ok_ops > 0
    assert result.failure is not None
    assert "run 2 of 3 failed" in result.failure
    assert "connection refused" in result.failure
    assert "stopped: run 2 of 3 failed" in result.format_text()
    assert [doc["index"] for doc in load_runs(tmp_path, "run")] == [0]
    (whole,) = load_runs(tmp_path, "bench")
    assert whole["failure"] == result.failure
    assert result.saved_to == whole["_path"]


def test_a_first_run_that_fails_still_raises_its_own_error(tmp_path: Path) -> None:
    srv = ClosingServer(accept=1).start()
    port = srv.port
    srv.stop()
    with pytest.raises(TargetError, match="connection refused"):
        bench(f"http://127.0.0.1:{port}/", config=QUICK, runs=2, isolation="loop",
              progress=False)  # fmt: skip


def test_without_a_workspace_nothing_is_written(
    dying_server: ClosingServer, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{dying_server.port}/"
    result = bench(url, config=QUICK, runs=2, isolation="loop", project=tmp_path, progress=False)
    assert len(result.runs) == 1
    assert result.saved_to is None
    assert list(tmp_path.iterdir()) == []
    assert json.loads(json.dumps(result.to_dict()))["failure"] == result.failure
