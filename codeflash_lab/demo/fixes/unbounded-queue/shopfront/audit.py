"""Request events, shipped to the log collector by one background worker."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

#: Time the log collector takes per event (it stands in for a network call).
SHIP_DELAY_S = 0.0005
#: Events waiting beyond this are dropped (and counted) instead of piling up in memory.
MAX_PENDING = 1000


class AuditLog:
    """Accepts events from request handlers; a worker task ships them one by one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=MAX_PENDING)
        self.shipped = 0
        self.dropped = 0
        self._worker: asyncio.Task[None] | None = None

    def record(self, event: dict[str, Any]) -> None:
        """Hand one event to the worker, or drop it when the worker is far behind."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1

    async def start(self) -> None:
        """Start the shipping worker."""
        self._worker = asyncio.create_task(self._ship_forever())

    async def stop(self) -> None:
        """Stop the worker (events still queued are abandoned)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _ship_forever(self) -> None:
        while True:
            await self.queue.get()
            await asyncio.sleep(SHIP_DELAY_S)
            self.shipped += 1
            self.queue.task_done()
