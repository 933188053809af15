"""Currency exchange rates, fetched from upstream and remembered."""

from __future__ import annotations

import asyncio

import aiohttp

# Remember the rate itself, not the coroutine that fetched it: a coroutine can
# be awaited only once. One lock per currency makes concurrent first requests
# share a single upstream call.
_RATES: dict[tuple[str, str], float] = {}
_LOCKS: dict[tuple[str, str], asyncio.Lock] = {}


async def exchange_rate(client: aiohttp.ClientSession, base_url: str, currency: str) -> float:
    """Units of ``currency`` per US dollar (fetched once per currency)."""
    key = (base_url, currency)
    if key in _RATES:
        return _RATES[key]
    async with _LOCKS.setdefault(key, asyncio.Lock()):
        if key not in _RATES:
            async with client.get(f"{base_url}/rates/{currency}") as resp:
                resp.raise_for_status()
                body = await resp.json()
            _RATES[key] = float(body["rate"])
    return _RATES[key]
