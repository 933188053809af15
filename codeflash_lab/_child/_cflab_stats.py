"""Latency summaries (percentiles, quantile CIs) and CPU shares of the measuring child.

Standard library only, Python 3.9 syntax (see ``_cflab_drivers``).
``codeflash_lab.bench.stats`` imports ``percentile``, ``quantile_ci`` and
``summarize_latencies`` from here, so the child and the bench summarize with one copy.
The CPU shares mirror ``codeflash_lab.bench.system``; a test checks that both give the
same numbers.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    from collections.abc import Sequence

    #: ``(wall_s, process_cpu_s, machine_busy, machine_total, our_jiffies)``.
    CpuSample = tuple[float, float, Any, Any, Any]


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of already sorted values, by linear interpolation.

    This is the "linear" method (numpy's default, Hyndman & Fan type 7): the value at
    fractional rank ``(n - 1) * q / 100`` interpolated between its neighbours.

    Args:
        sorted_values: values in ascending order (at least one).
        q: percentile in ``[0, 100]``.

    Returns:
        The interpolated percentile.

    Raises:
        ValueError: ``sorted_values`` is empty or ``q`` is outside ``[0, 100]``.
    """
    if not sorted_values:
        raise ValueError("sorted_values: needs at least one value")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q: must be within [0, 100], got {q}")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return float(sorted_values[lo]) + (float(sorted_values[hi]) - float(sorted_values[lo])) * frac


def quantile_ci(
    sorted_values: Sequence[float], q: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Distribution-free CI of a quantile from order statistics.

    The number of values below the true ``q``-quantile is Binomial(n, q); the ranks
    ``n*q -/+ z*sqrt(n*q*(1-q))`` (normal approximation, clamped to the sample) bound
    it. It says how precisely *one run* pins its own p50 or p99 (within-run spread
    only: across-run noise is judged over runs, never from this).

    Args:
        sorted_values: values in ascending order (at least one).
        q: quantile in ``(0, 1)``.
        confidence: two-sided coverage, e.g. 0.95.

    Returns:
        ``(low, high)`` values of the sample.

    Raises:
        ValueError: empty sample, or ``q``/``confidence`` outside ``(0, 1)``.
    """
    if not sorted_values:
        raise ValueError("sorted_values: needs at least one value")
    if not 0.0 < q < 1.0:
        raise ValueError(f"q: must be within (0, 1), got {q}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: must be within (0, 1), got {confidence}")
    n = len(sorted_values)
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    half = z * math.sqrt(n * q * (1.0 - q))
    lo = min(max(math.floor(n * q - half), 0), n - 1)
    hi = min(max(math.ceil(n * q + half), 0), n - 1)
    return float(sorted_values[lo]), float(sorted_values[hi])


def summarize_latencies(values_ns: Sequence[int]) -> dict[str, float]:
    """Latency summary in milliseconds.

    Args:
        values_ns: per-op latencies in nanoseconds (at least one).

    Returns:
        A dict in ms with keys ``p50 p90 p99 p999 max min mean std`` plus ``p50_lo``,
        ``p50_hi``, ``p99_lo``, ``p99_hi`` (95% order-statistic CIs of p50 and p99).
    """
    ordered = sorted(values_ns)
    scale = 1e-6
    if len(ordered) > 1:
        p50_lo, p50_hi = quantile_ci(ordered, 0.5)
        p99_lo, p99_hi = quantile_ci(ordered, 0.99)
    else:
        p50_lo = p50_hi = p99_lo = p99_hi = ordered[0]
    return {
        "p50_lo": p50_lo * scale,
        "p50_hi": p50_hi * scale,
        "p99_lo": p99_lo * scale,
        "p99_hi": p99_hi * scale,
        "p50": percentile(ordered, 50) * scale,
        "p90": percentile(ordered, 90) * scale,
        "p99": percentile(ordered, 99) * scale,
        "p999": percentile(ordered, 99.9) * scale,
        "max": ordered[-1] * scale,
        "min": ordered[0] * scale,
        "mean": statistics.fmean(ordered) * scale,
        "std": (statistics.pstdev(ordered) if len(ordered) > 1 else 0.0) * scale,
    }


def _read_proc_stat() -> tuple[int, int] | tuple[None, None]:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None, None
    if not fields or fields[0] != "cpu":
        return None, None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


def _jiffies(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            rest = fh.read().rsplit(")", 1)[-1].split()
    except OSError:
        return None
    return int(rest[11]) + int(rest[12]) if len(rest) >= 13 else None


def _kids(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _our_jiffies() -> dict[int, int] | None:
    """``{pid: cpu jiffies}`` of the tool that started this child and all its descendants
    (this child, servers it started): never counted as other load (see ``bench.system``)."""
    env = os.environ.get("CODEFLASH_LAB_ROOT_PID", "")
    root = int(env) if env.isdigit() else os.getppid()
    ours: dict[int, int] = {}
    stack = [root, os.getpid()]
    while stack:
        pid = stack.pop()
        if pid in ours:
            continue
        cpu = _jiffies(pid)
        if cpu is None:
            continue
        ours[pid] = cpu
        stack.extend(_kids(pid))
    return ours or None


def take_cpu_sample() -> CpuSample:
    """``(wall_s, process_cpu_s, machine_busy, machine_total, our_jiffies)``."""
    ours = _our_jiffies()
    busy, total = _read_proc_stat()
    times = os.times()
    return (time.perf_counter(), times.user + times.system, busy, total, ours)


def cpu_shares(before: CpuSample, after: CpuSample) -> tuple[float, float | None]:
    """``(client_cpu, background_busy)`` between two samples (see ``bench.system``)."""
    wall = max(after[0] - before[0], 1e-9)
    own = max(after[1] - before[1], 0.0)
    client = own / wall
    if before[3] is None or after[3] is None:
        return client, None
    total = after[3] - before[3]
    if total <= 0:
        return client, None
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    busy_s = (after[2] - before[2]) / hz
    ours_s = own
    if len(before) > 4 and before[4] is not None and after[4] is not None:
        jiffies = sum(max(cpu - before[4].get(pid, 0), 0) for pid, cpu in after[4].items())
        ours_s = max(jiffies / hz, own)
    background = (busy_s - ours_s) / (total / hz)
    return client, min(max(background, 0.0), 1.0)


def nest_asyncio_applied() -> bool:
    """True when nest-asyncio swapped asyncio's C Task for the pure-Python one."""
    if getattr(asyncio, "_nest_patched", False):
        return True
    return getattr(asyncio.Task, "__module__", "_asyncio") != "_asyncio"
