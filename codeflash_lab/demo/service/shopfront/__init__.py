"""shopfront: a small aiohttp order service that calls an upstream catalogue."""

from __future__ import annotations

__version__ = "0.1.0"
