"""Everything an order needs to know about its customer before pricing."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shopfront.upstream import get_json


async def load_context(app: web.Application, customer_id: int) -> dict[str, Any]:
    """The customer record, the stock summary and the running promotions."""
    customer = await get_json(app, f"/customers/{customer_id}")
    inventory = await get_json(app, "/inventory")
    promotions = await get_json(app, "/promotions")
    return {"customer": customer, "inventory": inventory, "promotions": promotions}
