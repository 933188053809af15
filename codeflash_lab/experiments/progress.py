"""Progress lines in the workflow's fixed formats (``[discovery]``, ``[experiment N]``, ...).

Pure string builders: the CLI and notebooks print them, tests compare them.
"""

from __future__ import annotations

from codeflash_lab.experiments.decision import Decision
from codeflash_lab.experiments.plateau import LedgerStatus
from codeflash_lab.workspace.results import Experiment

__all__ = [
    "baseline_line",
    "benchmarking_line",
    "implementing_line",
    "plateau_line",
    "result_line",
    "summary_line",
    "target_line",
]


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def baseline_line(*, slow_callbacks: int, blocking_calls: int) -> str:
    """``[baseline] asyncio debug: 5 slow callbacks, 2 blocking calls``."""
    return (
        f"[baseline] asyncio debug: {slow_callbacks} slow callback"
        f"{'s' if slow_callbacks != 1 else ''}, {blocking_calls} blocking call"
        f"{'s' if blocking_calls != 1 else ''}"
    )


def target_line(n: int, description: str, pattern: str) -> str:
    """``[experiment 1] Target: gather 3 independent DB calls (sequential-awaits)``."""
    return f"[experiment {n}] Target: {description} ({pattern})"


def implementing_line(n: int, summary: str) -> str:
    """``[experiment 1] Implementing: <one-line summary>``."""
    return f"[experiment {n}] Implementing: {summary}"


def benchmarking_line(n: int, concurrency: int) -> str:
    """``[experiment 1] Benchmarking at concurrency=50...``."""
    return f"[experiment {n}] Benchmarking at concurrency={concurrency}..."


def _latency(e: Experiment) -> str | None:
    before, after = e.baseline_latency_ms, e.optimized_latency_ms
    if before is None or after is None:
        return None
    text = f"Latency: {_num(before)}ms -> {_num(after)}ms"
    if e.latency_change is not None:
        pct = round(abs(e.latency_change))
        word = "faster" if e.latency_change < 0 else "slower"
        text += f" ({pct}% {word})" if pct else " (no change)"
    return text


def _throughput(e: Experiment) -> str | None:
    before, after = e.baseline_throughput, e.optimized_throughput
    if before is None or after is None:
        return None
    return f"Throughput: {_num(before)} -> {_num(after)} req/s"


def result_line(n: int, experiment: Experiment, decision: Decision | None = None) -> str:
    """``[experiment 1] Latency: 850ms -> 310ms (64% faster). KEEP``.

    A DISCARD carries its reason: ``... DISCARD — neither latency nor throughput improved``.
    """
    parts = [p for p in (_latency(experiment), _throughput(experiment)) if p]
    head = f"[experiment {n}] " + "".join(f"{p}. " for p in parts)
    line = head + experiment.status
    if experiment.status == "DISCARD" and decision is not None:
        line += f" — {decision.reason}"
    return line


def plateau_line(status: LedgerStatus) -> str | None:
    """``[plateau] ...`` when a plateau, rotation or stuck rule fired, else ``None``."""
    if status.diminishing_returns:
        return "[plateau] Diminishing returns: each of the last 3 keeps gained under half the one before. Stopping."
    n = status.consecutive_discards
    if status.stop:
        return f"[plateau] {n} consecutive discards, recovery exhausted. Stopping."
    if status.stuck:
        return (
            f"[plateau] {n} consecutive discards: stuck. Recovery checklist; "
            f"{status.experiments_left} experiment(s) left."
        )
    if status.rotate and status.next_strategy:
        return f"[plateau] {n} consecutive discards. Rotating to {status.next_strategy}."
    if status.irreducible:
        return f"[plateau] {n} consecutive discards. Check whether the remaining targets are irreducible."
    return None


def summary_line(status: LedgerStatus) -> str:
    """``[progress] 6 experiments (4 kept, 2 discarded) | next: blocking-call removal``."""
    return (
        f"[progress] {status.experiments} experiments ({status.keeps} kept, "
        f"{status.discards} discarded) | next: {status.next_strategy or 'stop'}"
    )
