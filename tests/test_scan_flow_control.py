"""Producers the transport already bounds, and tasks that end in their first step: shapes
from public servers (a websocket protocol's receive queue, a shell started as a task),
run through the real scanner."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.scan import scan_paths, scan_source


def _levels(source: str, code: str) -> dict[int, str]:
    return {f.line: f.confidence for f in scan_source(source).findings if f.code == code}


PAUSED_PROTOCOL = """import asyncio


class WSProtocol(asyncio.Protocol):
    def __init__(self, config):
        self.config = config
        self.queue: asyncio.Queue[dict] = asyncio.Queue()
        self.read_paused = False

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.queue.put_nowait({"type": "websocket.disconnect", "code": 1006})

    def handle_message(self, event):
        self.queue.put_nowait({"type": "websocket.receive", "bytes": event.data})
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    async def asgi_receive(self):
        if self.read_paused and self.queue.empty():
            self.read_paused = False
            self.transport.resume_reading()
        return await self.queue.get()
"""

UNPAUSED_PROTOCOL = PAUSED_PROTOCOL.replace(
    "            self.transport.pause_reading()\n", "            self.config.note()\n"
)


def test_a_queue_filled_by_a_class_that_pauses_reading_is_not_shown() -> None:
    assert _levels(PAUSED_PROTOCOL, "CFL502") == {7: "low"}
    finding = next(f for f in scan_source(PAUSED_PROTOCOL).findings if f.code == "CFL502")
    assert "pauses reading" in finding.message


def test_the_same_queue_without_the_pause_stays_shown() -> None:
    assert _levels(UNPAUSED_PROTOCOL, "CFL502") == {7: "high"}


MODULE_QUEUE_FED_BY_PAUSING_CLASS = """import asyncio

inbox = asyncio.Queue()


class Reader(asyncio.Protocol):
    def data_received(self, data):
        inbox.put_nowait(data)
        if inbox.qsize() > 64:
            self.transport.pause_reading()
"""


def test_the_producer_class_counts_even_when_the_queue_lives_elsewhere() -> None:
    assert _levels(MODULE_QUEUE_FED_BY_PAUSING_CLASS, "CFL502") == {3: "low"}


SHELL_TASK = """import asyncio
import os
import signal


def run_server(args, server):
    loop = asyncio.get_event_loop()
    if args.shell:
        async def start_shell(server):
            def _start_shell():
                embed_shell(server=server)
                os.kill(os.getpid(), signal.SIGTERM)

            loop.run_in_executor(None, _start_shell)

        loop.create_task(start_shell(server))
    serve(loop)


async def poll(server):
    while True:
        await server.tick()


class Service:
    async def announce(self):
        print("ready")

    async def wait_ready(self):
        await self.ready.wait()

    async def start(self):
        asyncio.create_task(self.announce())
        asyncio.create_task(self.wait_ready())
        asyncio.create_task(poll(self))
        asyncio.create_task(unknown_helper(self))
"""


def test_a_task_of_a_coroutine_that_never_awaits_is_not_reported() -> None:
    lines = _levels(SHELL_TASK, "CFL401")
    assert 16 not in lines  # start_shell: no await of its own, the nested def's do not count
    assert 33 not in lines  # self.announce(): same class, no await


def test_tasks_of_coroutines_that_suspend_or_do_not_resolve_keep_todays_finding() -> None:
    lines = _levels(SHELL_TASK, "CFL401")
    assert {34, 35, 36} <= set(lines)


ASYNC_FOR_AND_DECORATED = """import asyncio
import functools


async def drain(stream):
    async for _ in stream:
        pass


def traced(fn):
    return fn


@traced
async def quick():
    return 1


async def main(stream):
    asyncio.create_task(drain(stream))
    asyncio.create_task(quick())
"""


def test_async_for_suspends_and_a_decorated_callee_is_not_trusted() -> None:
    assert set(_levels(ASYNC_FOR_AND_DECORATED, "CFL401")) == {20, 21}


def test_a_coroutine_from_another_module_that_never_awaits_is_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path / "cache"))
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "shell.py").write_text(
        "async def start_shell(server, loop):\n"
        "    loop.run_in_executor(None, server.embed)\n"
        "\n\n"
        "async def watch(server):\n"
        "    await server.closed.wait()\n",
        encoding="utf-8",
    )
    (pkg / "run.py").write_text(
        "import asyncio\n"
        "\n"
        "from app.shell import start_shell, watch\n"
        "\n\n"
        "def run_server(server):\n"
        "    loop = asyncio.get_event_loop()\n"
        "    loop.create_task(start_shell(server, loop))\n"
        "    loop.create_task(watch(server))\n"
        "    loop.run_forever()\n",
        encoding="utf-8",
    )
    result = scan_paths([str(pkg)], cache=True)
    lines = {f.line for f in result.findings if f.code == "CFL401"}
    assert lines == {9}  # watch() suspends: kept; start_shell() never does: dropped
    edited = (
        (pkg / "shell.py")
        .read_text(encoding="utf-8")
        .replace("    loop.run_in_executor", "    await asyncio.sleep(0)\n    loop.run_in_executor")
    )
    (pkg / "shell.py").write_text("import asyncio\n\n\n" + edited, encoding="utf-8")
    result = scan_paths([str(pkg)], cache=True)  # run.py comes from the cache
    assert {f.line for f in result.findings if f.code == "CFL401"} == {8, 9}
