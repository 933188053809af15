"""In-process entry points for profilers and micro-benchmarks: one request each.

Each function starts the application (its shared client and audit worker),
sends one request through the real handler, and shuts the application down.
The upstream service's URL comes from ``SHOPFRONT_UPSTREAM``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from shopfront.app import checkout as checkout_handler
from shopfront.app import create_app
from shopfront.app import process as process_handler

#: Where the upstream service listens when ``SHOPFRONT_UPSTREAM`` is not set.
DEFAULT_UPSTREAM = "http://127.0.0.1:8081"


@asynccontextmanager
async def started_app() -> AsyncIterator[web.Application]:
    """The application, started (shared client open, audit worker running)."""
    app = create_app(os.environ.get("SHOPFRONT_UPSTREAM", DEFAULT_UPSTREAM))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        yield app
    finally:
        await runner.cleanup()


async def process_order() -> None:
    """Price one four-line order."""
    async with started_app() as app:
        request = make_mocked_request("GET", "/process?customer=7&skus=a1,b2,c3,d4", app=app)
        await process_handler(request)


async def checkout() -> None:
    """Check out one payment."""
    async with started_app() as app:
        request = make_mocked_request("GET", "/checkout?customer=7&amount=120", app=app)
        await checkout_handler(request)
