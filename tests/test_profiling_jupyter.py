"""The in-process API and the lag monitor inside a real Jupyter kernel (its loop already runs)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

CELL = textwrap.dedent(
    """
    import asyncio, json, time
    from codeflash_lab.profiling import LagMonitor, debug_callable, profile_callable

    async def blocker():
        await asyncio.sleep(0.01)
        time.sleep(0.05)  # MARK
        await asyncio.sleep(0.01)

    async with LagMonitor() as mon:
        await blocker()
    lag = mon.result()
    report = debug_callable(blocker)
    prof = profile_callable(blocker)
    print("RESULT" + json.dumps({
        "stalls": [[s.lag_ms, s.line] for s in lag.stalls],
        "slow": [[r.duration_ms, r.line] for r in report.slow_callbacks],
        "blocker_ncall": prof.row("blocker").ncall,
        "task_type": asyncio.Task.__module__,
    }))
    """
).lstrip()


@pytest.mark.slow
def test_lag_monitor_debug_capture_and_profile_work_inside_a_kernel() -> None:
    manager_mod = pytest.importorskip("jupyter_client.manager")
    km, kc = manager_mod.start_new_kernel(kernel_name="python3", startup_timeout=60)
    out: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    try:
        reply = kc.execute_interactive(CELL, timeout=60, output_hook=hook)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    text = "".join(out)
    assert reply["content"]["status"] == "ok", text
    doc = json.loads(text.split("RESULT", 1)[1])
    mark = next(n for n, line in enumerate(CELL.splitlines(), 1) if "MARK" in line)
    # A busy machine can add a second, unrelated stall (the kernel's own work, a late
    # wake-up); the one at MARK must be there, once, with a plausible size.
    ((lag_ms, _),) = [s for s in doc["stalls"] if s[1] == mark]
    assert 30.0 <= lag_ms <= 1000.0
    ((slow_ms, _),) = [r for r in doc["slow"] if r[1] == mark]
    assert 45.0 <= slow_ms <= 1000.0
    assert doc["blocker_ncall"] == 1
    assert doc["task_type"] == "_asyncio"
