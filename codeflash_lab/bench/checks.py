"""Stability warnings with fixed identifiers, derived from per-run facts (pure).

Notebooks, the CLI and the report show the same identifiers and wording; a
warning is data on a result, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BACKGROUND_BUSY_LIMIT",
    "CLIENT_CPU_LIMIT",
    "HARNESS_FLOOR_MS",
    "HIGH_CV_LIMIT",
    "MIN_OPS_FOR_P99",
    "STALL_MS",
    "WARNING_CODES",
    "StabilityWarning",
    "run_warnings",
    "series_warnings",
]

#: Recorded latency of a no-op op on the reference machine (p50 ≈ 0.3 µs).
HARNESS_FLOOR_MS = 0.0003
#: Below ten times the floor the harness, not the code, is being measured.
NEAR_FLOOR_FACTOR = 10.0
#: A per-run p99 needs ~2000 ops to rest on ~20 tail samples.
MIN_OPS_FOR_P99 = 2000
#: Share of one core used by the measuring process above which it is the bottleneck.
CLIENT_CPU_LIMIT = 0.9
#: Share of the machine used by other processes above which a run is contaminated.
BACKGROUND_BUSY_LIMIT = 0.3
#: Across-run coefficient of variation above which numbers should not be compared.
HIGH_CV_LIMIT = 0.10
#: Event-loop lag that counts as a stall (well above the ~3 ms timer-noise floor).
STALL_MS = 10.0

WARNING_CODES: dict[str, str] = {
    "high-cv": "runs disagree: coefficient of variation above 10%",
    "few-ops-for-p99": "too few ops per run for a trustworthy p99",
    "near-harness-floor": "op latency is near the harness floor; use batch timing",
    "client-cpu-saturated": "the measuring process used more than 90% of a core",
    "background-busy": "other processes kept the machine busy during the run",
    "nest-asyncio-applied": "nest-asyncio was applied in the measuring process",
    "loop-lag-stalls": "event-loop stalls seen; closed-loop p99 likely understated",
    "op-errors": "some operations failed",
    "dropped-arrivals": "open-loop arrivals were dropped: the target could not keep up",
    "queueing": "open-loop arrivals waited in the client's queue before they were sent",
    "interrupted": "the measurement was interrupted; only finished runs are kept",
}


@dataclass(frozen=True, slots=True)
class StabilityWarning:
    """One stability warning.

    Attributes:
        code: a fixed identifier from :data:`WARNING_CODES`.
        message: the measured facts behind it, in words.
        run: the run index it concerns, or ``None`` for the whole series.
    """

    code: str
    message: str
    run: int | None = None

    def __post_init__(self) -> None:
        if self.code not in WARNING_CODES:
            raise ValueError(f"code: unknown warning code {self.code!r}")

    def to_dict(self) -> dict[str, Any]:
        """``{code, message, run}``."""
        return {"code": self.code, "message": self.message, "run": self.run}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StabilityWarning:
        """Rebuild from :meth:`to_dict` output (the older code ``dispatcher-late`` reads as
        ``queueing``)."""
        code = "queueing" if data["code"] == "dispatcher-late" else data["code"]
        return cls(code=code, message=data["message"], run=data.get("run"))

    def __str__(self) -> str:
        where = f" (run {self.run})" if self.run is not None else ""
        return f"[{self.code}]{where} {self.message}"


def run_warnings(facts: Mapping[str, Any], *, index: int | None = None) -> list[StabilityWarning]:
    """Warnings for one run from its summary facts.

    Args:
        facts: a run's ``to_dict()`` (keys ``ok_ops``, ``errors``, ``latency_ms``,
            ``client_cpu``, ``background_busy``, ``lag_max_ms``, ``lag_stalls``, ``mode``,
            ``dropped``, ``schedule_lag_ms``, ``nest_asyncio``, ``batch``).
        index: the run's index, stored on each warning.

    Returns:
        The warnings, in a fixed order.
    """
    out: list[StabilityWarning] = []

    def add(code: str, message: str) -> None:
        out.append(StabilityWarning(code, message, index))

    ok_ops = int(facts.get("ok_ops") or 0)
    errors = int(facts.get("errors") or 0)
    latency = facts.get("latency_ms") or {}
    if 0 < ok_ops < MIN_OPS_FOR_P99:
        add("few-ops-for-p99", f"{ok_ops} ops (< {MIN_OPS_FOR_P99}); compare p90, not p99")
    p50 = latency.get("p50")
    batch = int(facts.get("batch") or 1)
    if p50 is not None and p50 < HARNESS_FLOOR_MS * NEAR_FLOOR_FACTOR and batch == 1:
        add(
            "near-harness-floor",
            f"p50 {p50 * 1000:.2f} µs is within 10x of the ~0.3 µs recording floor; "
            "time batches of calls (batch=100)",
        )
    cpu = facts.get("client_cpu")
    if cpu is not None and cpu > CLIENT_CPU_LIMIT:
        add("client-cpu-saturated", f"client used {cpu:.0%} of a core; the harness may limit")
    busy = facts.get("background_busy")
    if busy is not None and busy > BACKGROUND_BUSY_LIMIT:
        add("background-busy", f"other processes used {busy:.0%} of the machine")
    if facts.get("nest_asyncio"):
        add(
            "nest-asyncio-applied",
            "asyncio.Task is the pure-Python one here; numbers are not comparable",
        )
    stalls = facts.get("lag_stalls")
    lag_max = facts.get("lag_max_ms")
    elapsed_ms = float(facts.get("elapsed_s") or 0.0) * 1000
    if stalls and lag_max and elapsed_ms and lag_max >= 0.8 * elapsed_ms:
        add(
            "loop-lag-stalls",
            f"the op never yielded to the event loop ({lag_max:.0f} ms without a loop pass): "
            "it runs as blocking or CPU-bound code",
        )
    elif (
        stalls
        and (stalls >= 3 or (lag_max or 0.0) >= 2 * STALL_MS)
        and facts.get("mode", "closed") == "closed"
    ):  # one short stall is scheduling noise on a shared machine, not a finding
        add(
            "loop-lag-stalls",
            f"{stalls} loop stalls over {STALL_MS:.0f} ms (max {lag_max or 0:.1f} ms); "
            "re-run with --rate for tail latency",
        )
    if errors:
        total = ok_ops + errors
        add("op-errors", f"{errors} of {total} ops failed ({errors / total:.1%})")
    dropped = int(facts.get("dropped") or 0)
    if dropped:
        add("dropped-arrivals", f"{dropped} arrivals dropped")
    sched = facts.get("schedule_lag_ms") or {}
    if sched.get("p99") is not None and sched["p99"] > 5.0:
        add(
            "queueing",
            f"arrivals waited up to {sched['p99']:.1f} ms at p99 before they were sent (queueing; "
            "counted in their latency)",
        )
    return out


def series_warnings(
    throughputs: Sequence[float], p50s: Sequence[float], *, interrupted: bool = False
) -> list[StabilityWarning]:
    """Warnings about a series of runs of the same thing (across-run spread).

    Args:
        throughputs: per-run throughput.
        p50s: per-run p50 latency.
        interrupted: the series was cut short.
    """
    from codeflash_lab.bench.stats import coefficient_of_variation

    out: list[StabilityWarning] = []
    for name, values in (("throughput", throughputs), ("p50", p50s)):
        cv = coefficient_of_variation(values)
        if cv is not None and cv > HIGH_CV_LIMIT:
            out.append(
                StabilityWarning(
                    "high-cv",
                    f"{name} CV {cv:.1%} over {len(values)} runs; longer runs or a quieter "
                    "machine needed",
                )
            )
    if interrupted:
        out.append(StabilityWarning("interrupted", f"{len(throughputs)} runs finished"))
    return out
