"""The closed-loop driver (N workers over a shared counter) and what drivers share.

The code lives in the measuring child (``codeflash_lab/_child/_cflab_drivers.py``,
standard library only), so a run measured in-process and one measured in the project's
interpreter go through the same driver. The open loop lives in ``openloop``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from codeflash_lab._child._cflab_drivers import RawRun, run_closed

__all__ = ["OpFactory", "RawRun", "run_closed"]

#: ``make_op(worker_index)`` returns the zero-argument coroutine function a worker calls.
OpFactory = Callable[[int], Callable[[], Awaitable[Any]]]
