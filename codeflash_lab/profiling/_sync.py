"""Run a coroutine to completion from sync code, even where a loop already runs (Jupyter)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``make()`` on a fresh event loop and return its result.

    With no loop running in this thread it calls :func:`asyncio.run`; inside a running
    loop (a Jupyter kernel) it runs the same thing in a worker thread and waits, so the
    kernel's loop is never measured and never nested.

    Args:
        make: builds the coroutine (called on the thread that runs it).

    Returns:
        The coroutine's result (its exception is re-raised here).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=worker, name="codeflash-lab-run", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]
