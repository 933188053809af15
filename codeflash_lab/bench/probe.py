"""The concurrency-ratio probe: N sequential calls against N gathered calls of one target,
which spots a target that blocks the event loop (a ratio near 1)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from codeflash_lab._child._cflab_probe import sequential_vs_gathered
from codeflash_lab.bench.model import BenchConfig
from codeflash_lab.bench.runner import (
    PROCESS_START_S,
    Measurable,
    _make_source,
    run_in_fresh_loop,
)
from codeflash_lab.bench.stats import median

__all__ = ["BLOCKING_RATIO", "ConcurrencyProbe", "probe_concurrency"]

BLOCKING_RATIO = 2.0
#: The limit of a probe in the project's interpreter when none is given.
DEFAULT_PROCESS_LIMIT_S = 600.0


@dataclass(frozen=True, slots=True)
class ConcurrencyProbe:
    """N sequential calls vs N gathered calls of the same target.

    Attributes:
        n: calls in each phase.
        sequential_s: median wall time of ``for _ in range(n): await f()``.
        gathered_s: median wall time of ``await asyncio.gather(*(f() for _ in range(n)))``.
        ratio: ``sequential_s / gathered_s``; near ``n`` for a target that waits
            concurrently, near 1 for one that blocks the loop (or is CPU-bound).
        blocking: ``ratio`` under 2: the target barely overlaps with itself.
        repeats: alternating sequential/gathered pairs the medians are taken over.
    """

    n: int
    sequential_s: float
    gathered_s: float
    ratio: float
    blocking: bool
    repeats: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the probe."""
        return {
            "n": self.n,
            "sequential_s": self.sequential_s,
            "gathered_s": self.gathered_s,
            "ratio": self.ratio,
            "blocking": self.blocking,
            "repeats": self.repeats,
        }


def probe_concurrency(
    target: str | Callable[..., Awaitable[Any]] | Measurable,
    *args: Any,
    n: int = 10,
    repeats: int = 5,
    cwd: str | os.PathLike[str] | None = None,
    loop: str = "asyncio",
    timeout_s: float | None = None,
) -> ConcurrencyProbe:
    """Time ``n`` sequential calls against ``n`` gathered ones, in a fresh loop.

    The two phases alternate ``repeats`` times and the medians are compared, so one
    descheduling of the process on a busy machine does not flip the verdict.

    Args:
        target: the async target (spec, callable or :class:`Measurable`).
        *args: arguments of the callable.
        n: calls per phase (at least 2).
        repeats: sequential/gathered pairs (at least 1).
        cwd: folder specs are resolved from.
        loop: loop implementation.
        timeout_s: wall-clock limit of the probe, like a run's (``sweep`` passes the
            runs' ``--run-timeout``); a fresh process gets its start-up time on top.
            ``None``: 600 s in a fresh process, none in a fresh loop.

    Raises:
        TargetError: the target cannot be resolved or reached.
        MeasurementError: the probe failed or passed its limit (a loop whose thread
            could not be stopped is left running, and the message says so).
    """
    if n < 2:
        raise ValueError(f"n: must be at least 2, got {n}")
    if repeats < 1:
        raise ValueError(f"repeats: must be at least 1, got {repeats}")
    m = Measurable.of(target, *args, cwd=cwd)
    config = BenchConfig(concurrency=n, loop=loop)  # type: ignore[arg-type]

    async def probe() -> tuple[float, float]:
        make_op, closers = await _make_source(m, config)
        seqs, gathers = await sequential_vs_gathered(make_op, closers, n=n, repeats=repeats)
        return median(seqs), median(gathers)

    if m.can_run_in_process:  # a spec runs in the project's interpreter, like its runs
        from codeflash_lab.bench.child_jobs import probe_in_process

        limit = DEFAULT_PROCESS_LIMIT_S if timeout_s is None else timeout_s + PROCESS_START_S
        seqs, gathers = probe_in_process(m, n=n, repeats=repeats, loop=loop, timeout_s=limit)
        seq, gathered = median(seqs), median(gathers)
    else:
        seq, gathered = run_in_fresh_loop(probe, loop=loop, timeout_s=timeout_s)
    ratio = seq / gathered if gathered > 0 else float("inf")
    return ConcurrencyProbe(n, seq, gathered, ratio, ratio < BLOCKING_RATIO, repeats)
