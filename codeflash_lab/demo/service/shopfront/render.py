"""JSON responses."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


async def render(body: dict[str, Any]) -> web.Response:
    """A JSON response holding ``body``."""
    text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    return web.Response(text=text, content_type="application/json")
