"""Stall attribution for the lag monitor: which task and line a stall's stack samples name.

The watchdog samples the loop thread's stack while the probe is overdue; the line seen
most often is where the loop was blocked, and its stack becomes the :class:`Stall`'s culprit.

Naming a task is shared with the measuring child (:func:`describe_task`), so both say it alike.
"""

from __future__ import annotations

import asyncio
from typing import Any

from codeflash_lab._child._cflab_lag import describe_task
from codeflash_lab.profiling._stack import StackEntry, user_frame
from codeflash_lab.profiling.lag_result import Stall

__all__ = ["StallSamples", "describe_task", "stall_from_stack"]


class StallSamples:
    """The watchdog's samples of one stall: how often each innermost line was seen.

    Counts, not every stack, so a long stall sampled every few milliseconds stays small.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int], tuple[int, int, tuple[StackEntry, ...], str | None]] = {}
        self._order = 0

    def add(self, stack: tuple[StackEntry, ...], task: str | None) -> None:
        key = stack[-1][:2]
        count = self._seen[key][0] if key in self._seen else 0
        self._order += 1
        self._seen[key] = (count + 1, self._order, stack, task)

    def dominant(self) -> tuple[tuple[StackEntry, ...], str | None] | None:
        """The stack and task of the line seen most often (ties: the one seen last)."""
        if not self._seen:
            return None
        _count, _order, stack, task = max(self._seen.values(), key=lambda v: (v[0], v[1]))
        return stack, task


def stall_from_stack(
    t_s: float,
    late_s: float,
    stack: tuple[StackEntry, ...],
    task: asyncio.Task[Any] | None,
    *,
    task_text: str | None = None,
) -> Stall:
    where = user_frame(stack)
    return Stall(
        t_s=t_s,
        lag_ms=late_s * 1000.0,
        task=task_text or describe_task(task),
        callback=f"{stack[0][2]} ({stack[0][0]}:{stack[0][1]})" if stack else None,
        path=where[0] if where else None,
        line=where[1] if where else None,
        stack=stack,
    )
