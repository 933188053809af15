"""A real aiohttp server on 127.0.0.1 (port 0) in a background thread, for bench tests."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class LoopbackServer:
    """Routes: ``/ok``, ``/slow`` (10 ms), ``/status/500``, ``/chunked``, ``/hang``, ``/echo``."""

    def __init__(self) -> None:
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        loop.run_until_complete(self._start())
        self._ready.set()
        loop.run_forever()
        loop.close()

    async def _start(self) -> None:
        from aiohttp import web

        async def ok(_request: web.Request) -> web.Response:
            return web.Response(text="ok")

        async def slow(_request: web.Request) -> web.Response:
            await asyncio.sleep(0.01)
            return web.Response(text="slow")

        async def status(request: web.Request) -> web.Response:
            return web.Response(status=int(request.match_info["code"]), text="no")

        async def chunked(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse()
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            await resp.write(b"part one,")
            await resp.write(b"part two")
            await resp.write_eof()
            return resp

        async def hang(_request: web.Request) -> web.Response:
            await asyncio.sleep(3600)
            return web.Response(text="late")

        async def echo(request: web.Request) -> web.Response:
            body = await request.read()
            return web.Response(body=body, headers={"X-Method": request.method})

        app = web.Application()
        app.router.add_get("/ok", ok)
        app.router.add_get("/slow", slow)
        app.router.add_get("/status/{code}", status)
        app.router.add_get("/chunked", chunked)
        app.router.add_get("/hang", hang)
        app.router.add_route("*", "/echo", echo)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def start(self) -> LoopbackServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        """Close the listening socket and every open connection, then stop the loop."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return
        fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop)
        fut.result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
