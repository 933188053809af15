"""Runtime evidence: asyncio debug-mode capture, yappi WALL profile, event-loop lag."""

from __future__ import annotations

from codeflash_lab.profiling.capture import DebugCapture, debug_callable
from codeflash_lab.profiling.crosscheck import (
    BLOCKING_CATEGORIES,
    BlockingEvidence,
    Confirmation,
    CrossCheck,
    blocking_call_removed,
    crosscheck,
)
from codeflash_lab.profiling.debug import run_debug
from codeflash_lab.profiling.lag import IDLE_LAG_FLOOR_MS, LagMonitor, LagResult, Stall
from codeflash_lab.profiling.records import DEFAULT_THRESHOLD_MS, DebugRecord, DebugReport
from codeflash_lab.profiling.yappi_profile import (
    OWN_PASS_NOTE,
    Profiler,
    ProfileResult,
    ProfileRow,
    profile_block,
    profile_callable,
    profile_target,
)

__all__ = [
    "BLOCKING_CATEGORIES",
    "DEFAULT_THRESHOLD_MS",
    "IDLE_LAG_FLOOR_MS",
    "OWN_PASS_NOTE",
    "BlockingEvidence",
    "Confirmation",
    "CrossCheck",
    "DebugCapture",
    "DebugRecord",
    "DebugReport",
    "LagMonitor",
    "LagResult",
    "ProfileResult",
    "ProfileRow",
    "Profiler",
    "Stall",
    "blocking_call_removed",
    "crosscheck",
    "debug_callable",
    "profile_block",
    "profile_callable",
    "profile_target",
    "run_debug",
]
