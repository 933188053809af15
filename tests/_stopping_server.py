"""A real aiohttp server on 127.0.0.1 (port 0) that stops listening after N connections.

Each run of the built-in HTTP client opens its own connections (the reachability check
and one per worker), so stopping after the connections of the first runs makes a server
that dies between runs: the next run finds nothing listening.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any


class StoppingServer:
    """aiohttp on 127.0.0.1 that closes its listening socket at connection ``accept``."""

    def __init__(self, accept: int) -> None:
        self.accept = accept
        self.port = 0
        self.accepted = 0
        self.paths: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._runner: Any = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _start(self) -> None:
        from aiohttp import web

        async def any_path(request: web.Request) -> web.Response:
            self.paths[request.path] += 1
            self.hosts[request.headers.get("Host", "")] += 1
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_get("/{tail:.*}", any_path)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        handler = self._runner.server  # aiohttp's protocol factory

        def counted() -> Any:
            self.accepted += 1
            if self.accepted >= self.accept and self._server is not None:
                # once this connection is attached: no new ones, open ones still served
                self._loop.call_soon(self._server.close)
            return handler()

        self._server = await self._loop.create_server(counted, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._stop())
        self._loop.close()

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._runner.server.shutdown(0.1)  # closes the connections still open
        await self._runner.cleanup()

    def __enter__(self) -> StoppingServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
