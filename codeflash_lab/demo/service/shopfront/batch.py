"""Price lists for many SKUs at once."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from shopfront.upstream import get_json


async def price_all(app: web.Application, skus: list[str]) -> list[dict[str, Any]]:
    """Prices of every SKU requested (the list comes from the client, any length)."""
    return list(await asyncio.gather(*(get_json(app, f"/prices/{sku}") for sku in skus)))
