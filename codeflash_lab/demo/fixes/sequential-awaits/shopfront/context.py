"""Everything an order needs to know about its customer before pricing."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from shopfront.upstream import get_json


async def load_context(app: web.Application, customer_id: int) -> dict[str, Any]:
    """The customer record, the stock summary and the running promotions."""
    # The three lookups are independent: wait for them together, not one after another.
    async with asyncio.TaskGroup() as tg:
        customer = tg.create_task(get_json(app, f"/customers/{customer_id}"))
        inventory = tg.create_task(get_json(app, "/inventory"))
        promotions = tg.create_task(get_json(app, "/promotions"))
    return {
        "customer": customer.result(),
        "inventory": inventory.result(),
        "promotions": promotions.result(),
    }
