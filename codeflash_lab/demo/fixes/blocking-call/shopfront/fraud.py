"""The fraud screen every checkout goes through."""

from __future__ import annotations

from aiohttp import web

from shopfront.keys import CLIENT, UPSTREAM


async def screen(app: web.Application, customer_id: int, amount: float) -> bool:
    """True when the upstream fraud screen accepts this payment."""
    url = f"{app[UPSTREAM]}/fraud-check"
    params = {"customer": str(customer_id), "amount": f"{amount:.2f}"}
    # The shared aiohttp client waits without holding the event loop.
    async with app[CLIENT].get(url, params=params) as resp:
        resp.raise_for_status()
        verdict = await resp.json()
    return bool(verdict["ok"])
