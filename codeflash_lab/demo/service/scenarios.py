"""In-process entry points for profilers and micro-benchmarks.

Each function starts the application (its shared client and audit worker),
sends ``calls`` requests, one after another, through the real handler, and
shuts the application down.
The upstream service's URL comes from ``SHOPFRONT_UPSTREAM``.

``python -m scenarios --upstream URL --calls N`` runs both scenarios
N times (handy under ``PYTHONASYNCIODEBUG=1``).
"""

from __future__ import annotations

import argparse
import asyncio
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


async def process_order(calls: int = 5) -> None:
    """Price a four-line order ``calls`` times."""
    async with started_app() as app:
        for _ in range(calls):
            path = "/process?customer=7&skus=a1,b2,c3,d4"
            await process_handler(make_mocked_request("GET", path, app=app))


async def checkout(calls: int = 5) -> None:
    """Check out a payment ``calls`` times."""
    async with started_app() as app:
        for _ in range(calls):
            path = "/checkout?customer=7&amount=120"
            await checkout_handler(make_mocked_request("GET", path, app=app))


SCENARIOS = {"process": process_order, "checkout": checkout}


async def _run(names: list[str], calls: int) -> None:
    for name in names:
        await SCENARIOS[name](calls)


def main() -> None:
    """Parse the command line and run the scenarios."""
    parser = argparse.ArgumentParser(prog="scenarios")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="process, checkout (default: both)"
    )
    parser.add_argument("--upstream", default=None, help="base URL of the upstream service")
    parser.add_argument("--calls", type=int, default=5, help="requests per scenario")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    if args.upstream:
        os.environ["SHOPFRONT_UPSTREAM"] = args.upstream
    asyncio.run(_run(args.names or list(SCENARIOS), args.calls))


if __name__ == "__main__":
    main()
