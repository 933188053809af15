"""Price lists for many SKUs at once."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from shopfront.upstream import get_json

#: At most this many upstream calls in flight for one batch, however long the list.
MAX_IN_FLIGHT = 20


async def price_all(app: web.Application, skus: list[str]) -> list[dict[str, Any]]:
    """Prices of every SKU requested (the list comes from the client, any length)."""
    limit = asyncio.Semaphore(MAX_IN_FLIGHT)

    async def one(sku: str) -> dict[str, Any]:
        async with limit:
            return await get_json(app, f"/prices/{sku}")

    return list(await asyncio.gather(*(one(sku) for sku in skus)))
