"""The concurrency-ratio probe's timing: N sequential calls against N gathered calls.

Standard library only, Python 3.9 syntax (see ``_cflab_drivers``); the measuring child's
``probe`` job and ``codeflash_lab.bench.probe`` both time with this.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    from collections.abc import Awaitable, Callable


async def sequential_vs_gathered(
    make_op: Callable[[int], Callable[[], Awaitable[Any]]],
    closers: list[Any],
    *,
    n: int,
    repeats: int,
) -> tuple[list[float], list[float]]:
    """Time ``n`` sequential calls, then ``n`` gathered ones, ``repeats`` times over.

    One call first warms the target up (imports, a connection). The objects in
    ``closers`` (HTTP connections) are closed with ``aclose()`` at the end.

    Returns:
        Per repeat: the seconds of the sequential phase, and of the gathered phase.
    """
    ops = [make_op(w) for w in range(n)]
    seqs: list[float] = []
    gathers: list[float] = []
    try:
        await ops[0]()
        for _ in range(repeats):
            t0 = time.perf_counter()
            for op in ops:
                await op()
            t1 = time.perf_counter()
            await asyncio.gather(*(op() for op in ops))
            t2 = time.perf_counter()
            seqs.append(t1 - t0)
            gathers.append(t2 - t1)
    finally:
        for conn in closers:
            await conn.aclose()
    return seqs, gathers
