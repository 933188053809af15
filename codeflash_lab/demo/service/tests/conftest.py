"""Run the service and its upstream stub on free local ports.

The upstream stub runs on its own event loop in a background thread, as a
remote service would: a call that blocks the service's loop must not also
freeze the upstream.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import aiohttp
from aiohttp import web

from shopfront.app import create_app
from shopfront.upstream_stub import create_upstream


@asynccontextmanager
async def _running(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


class Stack:
    """The running service, its upstream and a client to call both."""

    def __init__(self, base: str, upstream: str, client: aiohttp.ClientSession) -> None:
        self.base = base
        self.upstream = upstream
        self.client = client

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.client.get(self.base + path) as resp:
            body = await resp.json() if resp.content_type == "application/json" else None
            return resp.status, body

    async def upstream_calls(self) -> dict[str, int]:
        async with self.client.get(self.upstream + "/calls") as resp:
            return dict(await resp.json())


@contextmanager
def _upstream_thread(latency_ms: float) -> Iterator[str]:
    ready: list[str] = []
    started = threading.Event()
    stop: list[Callable[[], None]] = []

    async def serve() -> None:
        done = asyncio.Event()

        def wake() -> None:
            loop.call_soon_threadsafe(done.set)

        stop.append(wake)
        async with _running(create_upstream(latency_ms)) as url:
            ready.append(url)
            started.set()
            await done.wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        if not started.wait(10):
            raise RuntimeError("the upstream stub did not start")
        yield ready[0]
    finally:
        if stop:
            stop[0]()
        thread.join(10)
        loop.close()


def run_with_stack(scenario: Callable[[Stack], Awaitable[None]], latency_ms: float = 1.0) -> None:
    """Start upstream + service, run ``scenario(stack)``, stop everything."""

    async def main(upstream: str) -> None:
        async with _running(create_app(upstream)) as base, aiohttp.ClientSession() as client:
            await scenario(Stack(base, upstream, client))

    with _upstream_thread(latency_ms) as upstream:
        asyncio.run(main(upstream))
