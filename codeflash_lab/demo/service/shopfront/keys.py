"""Typed keys for the state shopfront keeps on its aiohttp application."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from shopfront.audit import AuditLog

#: The one shared HTTP client, opened at startup and closed at shutdown.
CLIENT = web.AppKey("client", aiohttp.ClientSession)
#: Base URL of the upstream catalogue service, e.g. ``http://127.0.0.1:8081``.
UPSTREAM = web.AppKey("upstream", str)
#: Where request events go (drained by a background worker).
AUDIT = web.AppKey("audit", AuditLog)
