"""The bundled demo: an aiohttp service with planted antipatterns, and the guided run over it."""

from __future__ import annotations

__all__: list[str] = []
