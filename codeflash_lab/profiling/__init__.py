"""Runtime evidence: asyncio debug-mode capture, yappi WALL profile, event-loop lag."""

from __future__ import annotations

from codeflash_lab.profiling.lag import IDLE_LAG_FLOOR_MS, LagMonitor, LagResult, Stall

__all__ = ["IDLE_LAG_FLOOR_MS", "LagMonitor", "LagResult", "Stall"]
