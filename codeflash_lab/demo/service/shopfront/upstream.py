"""Calls to the upstream catalogue service."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from shopfront.keys import UPSTREAM


async def get_json(app: web.Application, path: str) -> Any:
    """GET ``path`` from the upstream service and return the decoded JSON body."""
    async with aiohttp.ClientSession() as session, session.get(app[UPSTREAM] + path) as resp:
        resp.raise_for_status()
        return await resp.json()
