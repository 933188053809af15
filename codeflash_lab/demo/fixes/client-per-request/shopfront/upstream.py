"""Calls to the upstream catalogue service."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shopfront.keys import CLIENT, UPSTREAM


async def get_json(app: web.Application, path: str) -> Any:
    """GET ``path`` from the upstream service and return the decoded JSON body."""
    # One client for the whole application: its connection pool is reused across requests.
    async with app[CLIENT].get(app[UPSTREAM] + path) as resp:
        resp.raise_for_status()
        return await resp.json()
