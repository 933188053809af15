"""Prices of the lines of an order."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from shopfront.upstream import get_json

#: At most this many price lookups in flight for one order.
MAX_IN_FLIGHT = 16


async def price_lines(app: web.Application, skus: list[str]) -> list[dict[str, Any]]:
    """One ``{"sku", "price"}`` record per SKU, in the order given."""
    limit = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def one(sku: str) -> dict[str, Any]:
        async with limit:
            return await get_json(app, f"/prices/{sku}")

    # gather keeps the order of its arguments, so lines stay in the order given.
    return list(await asyncio.gather(*(one(sku) for sku in skus)))
