"""Currency exchange rates, fetched from upstream and remembered."""

from __future__ import annotations

from functools import lru_cache

import aiohttp


@lru_cache(maxsize=64)
async def exchange_rate(client: aiohttp.ClientSession, base_url: str, currency: str) -> float:
    """Units of ``currency`` per US dollar (fetched once per currency)."""
    async with client.get(f"{base_url}/rates/{currency}") as resp:
        resp.raise_for_status()
        body = await resp.json()
    return float(body["rate"])
