"""Measuring child: a yappi WALL-clock profile of the target (yappi from a private folder).

Standard library plus yappi, Python 3.9+. Rows are reported for the thread that ran
the loop; library code (standard library, installed packages, this child) is hidden
unless asked for.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from _cflab_lag import is_library_path

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    from collections.abc import Callable, Coroutine


def profile(
    make_call: Callable[[], Coroutine[Any, Any, Any]],
    run_loop: Callable[..., Any],
    loop_name: str,
    duration_s: float,
    max_calls: int,
    include_library: bool,
    top: int | None,
    clock: str = "wall",
) -> dict[str, Any]:
    """Call the target under yappi's ``clock`` (``wall``, or ``cpu`` for the pass that tells
    waiting from computing); the rows, wall time, calls and any error."""
    import yappi

    state: dict[str, Any] = {"calls": 0, "error": None, "wall": 0.0, "tid": None}

    async def main() -> None:
        state["tid"] = threading.get_ident()
        if yappi.is_running():
            raise RuntimeError("yappi is already running in this process")
        yappi.clear_stats()
        yappi.set_clock_type(clock)
        started = time.perf_counter()
        yappi.start(builtins=False, profile_threads=True)
        try:
            end = time.perf_counter() + duration_s
            while True:
                await make_call()
                state["calls"] += 1
                if state["calls"] >= max_calls or time.perf_counter() >= end:
                    break
        except Exception as exc:
            state["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            yappi.stop()
            state["wall"] = time.perf_counter() - started

    run_loop(main, loop_name)
    ctx = next((t.id for t in yappi.get_thread_stats() if t.tid == state["tid"]), None)
    stats = yappi.get_func_stats(filter={"ctx_id": ctx} if ctx is not None else None)
    rows, hidden = [], 0
    for s in stats:
        if (not include_library and is_library_path(s.module)) or s.module == __file__:
            hidden += 1
            continue
        rows.append({
            "name": s.name, "path": s.module, "line": int(s.lineno), "ncall": int(s.ncall),
            "ttot_s": float(s.ttot), "tsub_s": float(s.tsub),
        })  # fmt: skip
    yappi.clear_stats()
    rows.sort(key=lambda r: r["ttot_s"], reverse=True)
    if top is not None and len(rows) > top:
        hidden += len(rows) - top
        rows = rows[:top]
    return {
        "rows": rows,
        "wall_s": state["wall"],
        "calls": state["calls"],
        "error": state["error"],
        "hidden_rows": hidden,
        "clock": clock,
    }
