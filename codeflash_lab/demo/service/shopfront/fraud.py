"""The fraud screen every checkout goes through."""

from __future__ import annotations

import json
import urllib.request

from aiohttp import web

from shopfront.keys import UPSTREAM


async def screen(app: web.Application, customer_id: int, amount: float) -> bool:
    """True when the upstream fraud screen accepts this payment."""
    url = f"{app[UPSTREAM]}/fraud-check?customer={customer_id}&amount={amount:.2f}"
    with urllib.request.urlopen(url, timeout=5) as resp:
        verdict = json.loads(resp.read())
    return bool(verdict["ok"])
