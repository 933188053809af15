"""JSON responses."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any

from aiohttp import web


async def render(body: dict[str, Any]) -> web.Response:
    """A JSON response holding ``body``."""
    # Encode in a worker thread so serialisation never holds the event loop.
    encode = partial(json.dumps, separators=(",", ":"), sort_keys=True)
    text = await asyncio.to_thread(encode, body)
    return web.Response(text=text, content_type="application/json")
