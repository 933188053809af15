"""Run an aiohttp application on 127.0.0.1 and announce the bound port on stdout."""

from __future__ import annotations

import asyncio
import signal
import sys

from aiohttp import web

#: The line a supervisor waits for, followed by the base URL.
READY = "READY"


async def serve(app: web.Application, port: int) -> None:
    """Serve ``app`` on ``127.0.0.1:port`` (0 = any free port) until SIGTERM/SIGINT."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", port)
        try:
            await site.start()
        except OSError as exc:
            print(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
            raise SystemExit(3) from exc
        bound = runner.addresses[0][1]
        print(f"{READY} http://127.0.0.1:{bound}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
