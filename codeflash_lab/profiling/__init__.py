"""Runtime evidence: asyncio debug-mode capture, yappi WALL profile, event-loop lag."""

from __future__ import annotations

__all__: list[str] = []
