"""How to read one row of a WALL-clock profile, and the CPU-clock pass that tells waiting
from computing.

A function's own wall time (``tsub``) is time spent in its own body, but not always on
the CPU: a coroutine awaiting a future from a thread, or a call blocked on a lock, has
own wall time too. A second, CPU-clock pass of the same target says which it was.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codeflash_lab.profiling.profile_result import ProfileResult

__all__ = [
    "CPU_PASS_NOTE",
    "HIGH_SHARE",
    "OWN_TIME_READINGS",
    "WAITING_SHARE",
    "cpu_availability",
    "reading_for",
    "with_cpu_pass",
]

#: A row counts as "high ttot" from this share of the profiled wall time on.
HIGH_SHARE = 0.10


def reading_for(ttot: float, tsub: float, wall: float, *, off_cpu: bool = False) -> str:
    """The workflow's reading of one row.

    High total time with little of it spent in the function's own body means it waits
    on something slow (an await or a callee). A large own time means the function itself
    is slow (CPU work or a blocking call inside it), unless a CPU-clock pass showed that
    own time was spent off the CPU (``off_cpu``): then it was *waiting* (on a thread, a
    future, a lock or I/O the profile does not see as a callee), not computing.

    Args:
        ttot: total wall time in the function, callees included (s).
        tsub: own wall time, callees excluded (s).
        wall: wall time of the whole profile (s).
        off_cpu: a CPU-clock pass found its own time spent off the CPU (see
            :func:`with_cpu_pass`).

    Returns:
        ``"awaits something slow"``, ``"itself slow"``, ``"waiting"``, ``"both"`` or ``""``
        (not significant).
    """
    if wall <= 0 or ttot < HIGH_SHARE * wall:
        return ""
    if tsub >= HIGH_SHARE * wall and tsub >= 0.5 * ttot:
        return "waiting" if off_cpu else "itself slow"
    if tsub < 0.2 * ttot:
        return "awaits something slow"
    return "waiting" if off_cpu else "both"


#: Readings a CPU-clock pass can turn into "waiting".
OWN_TIME_READINGS = ("itself slow", "both")
#: Own time is off the CPU when its CPU share is under this fraction of what a busy loop
#: got from the machine at the same time (a loaded machine gives every thread less). A
#: blocked wait gets almost none; a computing function that a burst of other load starves
#: during the WALL pass gets far less than the busy loop got just before or after it, so the
#: line sits well below what computing gets.
WAITING_SHARE = 0.15


def cpu_availability(seconds: float = 0.05) -> float:
    """The share of wall time a busy loop on this thread gets on the CPU right now.

    On an idle machine it is close to 1; with more runnable threads than cores it
    drops, and so does the CPU share of any computing function.
    """
    import time

    wall0, cpu0 = time.perf_counter(), time.thread_time()
    while time.perf_counter() - wall0 < seconds:
        pass
    wall = time.perf_counter() - wall0
    return max(0.0, min(1.0, (time.thread_time() - cpu0) / wall)) if wall > 0 else 1.0


CPU_PASS_NOTE = (
    "own time checked against a CPU-clock pass: 'waiting' means the function's own time "
    "was spent off the CPU (a thread, a future, a lock or I/O), 'itself slow' that it computed"
)


def with_cpu_pass(
    result: ProfileResult, cpu_rows: list[dict[str, Any]], *, availability: float = 1.0
) -> ProfileResult:
    """``result`` with each own-time reading checked against a CPU-clock pass of the same code.

    Each function's own CPU per call (from ``cpu_rows``) is scaled to its calls in
    ``result`` and divided by its own wall time: its *CPU share*. On a loaded machine a
    computing function gets less than the whole CPU, so the share is judged two ways:
    own time is off the CPU when the share is under :data:`WAITING_SHARE` of
    ``availability`` (what a busy loop got, :func:`cpu_availability`), or under a
    quarter of the largest share among the rows with a large own time.

    Args:
        result: the WALL-clock profile.
        cpu_rows: rows (``name``, ``path``, ``line``, ``ncall``, ``tsub_s``) of a CPU-clock
            profile of the same target.
        availability: the CPU share a busy loop got around the CPU pass (1: idle machine).
    """
    per_call = {
        (str(r["path"]), int(r["line"]), str(r["name"])): float(r["tsub_s"]) / int(r["ncall"])
        for r in cpu_rows
        if int(r.get("ncall") or 0) > 0
    }
    shares: dict[int, float] = {}
    for i, row in enumerate(result.rows):
        cpu = per_call.get((row.path, row.line, row.name))
        if cpu is not None and row.tsub_s > 0:
            shares[i] = cpu * row.ncall / row.tsub_s
    own = [
        shares[i]
        for i, row in enumerate(result.rows)
        if i in shares and row.tsub_s >= HIGH_SHARE * result.wall_s
    ]
    best = max(own, default=0.0)
    rows = []
    for i, row in enumerate(result.rows):
        share = shares.get(i)
        floor = WAITING_SHARE * max(availability, 0.02)
        off = share is not None and (share < floor or share < 0.25 * best)
        rows.append(
            replace(row, reading=reading_for(row.ttot_s, row.tsub_s, result.wall_s, off_cpu=off))
        )
    return replace(result, rows=tuple(rows), notes=(*result.notes, CPU_PASS_NOTE))
