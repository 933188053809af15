"""The lag watchdog names the line that blocked, not the loop's idle wait in its selector.

On a busy machine the loop thread can be descheduled while it waits in the selector,
so the probe wakes late with nothing blocking: a sample taken then shows the
selector poll. The stall that follows must still be attributed to the real culprit.
"""

from __future__ import annotations

import asyncio
import selectors
import sys
import time
from pathlib import Path

from codeflash_lab.profiling import LagMonitor
from codeflash_lab.profiling import lag as lag_module


class LateSelector(selectors.DefaultSelector):
    """A selector whose next ``select`` returns ``late_s`` late: a descheduled loop thread."""

    late_s = 0.0

    def select(self, timeout: float | None = None):  # type: ignore[no-untyped-def]
        late, LateSelector.late_s = LateSelector.late_s, 0.0
        if late:
            time.sleep(late)  # the loop is idle in its selector the whole time
        return super().select(timeout)


def _blocker_line() -> int:
    return _block.__code__.co_firstlineno + 1


def _block() -> None:
    time.sleep(0.08)  # the real stall


async def _late_wake_then_stall() -> None:
    await asyncio.sleep(0.05)  # the probe is running steadily
    LateSelector.late_s = 0.06
    await asyncio.sleep(0)  # this wake-up comes late, from an idle loop
    _block()
    await asyncio.sleep(0.03)


def test_a_stall_after_an_idle_late_wake_is_attributed_to_the_blocking_line() -> None:
    monitor = LagMonitor(threshold_ms=20)

    async def main() -> None:
        async with monitor:
            await _late_wake_then_stall()

    with asyncio.Runner(loop_factory=lambda: asyncio.SelectorEventLoop(LateSelector())) as r:
        r.run(main())
    stalls = monitor.result().stalls
    assert stalls, "no stall seen"
    blamed = [(s.path, s.line) for s in stalls]
    assert (__file__, _blocker_line()) in blamed
    from codeflash_lab.profiling._stack import is_selector_poll

    assert all(not s.stack or not is_selector_poll(s.stack) for s in stalls)


def test_is_selector_poll_tells_the_idle_loop_from_a_callback() -> None:
    from codeflash_lab.profiling._stack import is_selector_poll

    base = "/usr/lib/python3.11/asyncio/base_events.py"
    idle = (
        ("/app/main.py", 9, "<module>"),
        (base, 600, "run_forever"),
        (base, 1884, "_run_once"),
        ("/usr/lib/python3.11/selectors.py", 468, "select"),
    )
    assert is_selector_poll(idle)
    assert is_selector_poll(idle[:-1])  # the loop's own bookkeeping between polls
    callback = (
        ("/app/handlers.py", 12, "handler"),
        ("/usr/lib/python3.11/selectors.py", 468, "select"),
    )
    assert not is_selector_poll(callback)  # a blocking select inside user code is a stall
    assert not is_selector_poll(())


def test_the_measuring_childs_probe_skips_the_idle_selector_too() -> None:
    sys.path.insert(0, str(Path(lag_module.__file__).resolve().parent.parent / "_child"))
    try:
        from _cflab_lag import LagProbe
    finally:
        sys.path.pop(0)
    probe = LagProbe(threshold_ms=20, sample_stacks=True)

    async def main() -> None:
        async with probe:
            await _late_wake_then_stall()

    with asyncio.Runner(loop_factory=lambda: asyncio.SelectorEventLoop(LateSelector())) as r:
        r.run(main())
    blamed = [(s["path"], s["line"]) for s in probe.result()["stall_list"]]
    assert (__file__, _blocker_line()) in blamed
