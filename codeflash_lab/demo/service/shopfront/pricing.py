"""Prices of the lines of an order."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shopfront.upstream import get_json


async def price_lines(app: web.Application, skus: list[str]) -> list[dict[str, Any]]:
    """One ``{"sku", "price"}`` record per SKU, in the order given."""
    lines = []
    for sku in skus:
        lines.append(await get_json(app, f"/prices/{sku}"))
    return lines
