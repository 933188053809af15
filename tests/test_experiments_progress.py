"""Progress lines in the workflow's formats."""

from __future__ import annotations

from codeflash_lab.experiments.decision import decide
from codeflash_lab.experiments.plateau import ledger_status
from codeflash_lab.experiments.progress import (
    baseline_line,
    benchmarking_line,
    implementing_line,
    plateau_line,
    result_line,
    summary_line,
    target_line,
)
from codeflash_lab.workspace.results import Experiment


def exp(status: str, before: float = 850, after: float = 310, pattern: str = "blocking-call"):  # type: ignore[no-untyped-def]
    return Experiment.build(
        commit="a",
        target_test="t",
        baseline_latency_ms=before,
        optimized_latency_ms=after,
        baseline_throughput=None,
        optimized_throughput=None,
        concurrency=50,
        status=status,
        pattern=pattern,
        description="d",
    )


def test_step_lines() -> None:
    assert baseline_line(slow_callbacks=5, blocking_calls=2) == (
        "[baseline] asyncio debug: 5 slow callbacks, 2 blocking calls"
    )
    assert baseline_line(slow_callbacks=1, blocking_calls=1).endswith(
        "1 slow callback, 1 blocking call"
    )
    assert target_line(1, "gather 3 independent DB calls", "sequential-awaits") == (
        "[experiment 1] Target: gather 3 independent DB calls (sequential-awaits)"
    )
    assert (
        implementing_line(2, "reuse one session")
        == "[experiment 2] Implementing: reuse one session"
    )
    assert benchmarking_line(2, 50) == "[experiment 2] Benchmarking at concurrency=50..."


def test_result_lines() -> None:
    assert (
        result_line(1, exp("KEEP")) == "[experiment 1] Latency: 850ms -> 310ms (64% faster). KEEP"
    )
    slower = exp("DISCARD", 100, 104.5)
    line = result_line(3, slower, decide(latency_change=slower.latency_change))
    assert line == (
        "[experiment 3] Latency: 100ms -> 104.5ms (4% slower). DISCARD — neither latency nor "
        "throughput improved"
    )


def test_plateau_lines() -> None:
    assert plateau_line(ledger_status([exp("KEEP")])) is None
    rotating = ledger_status([exp("DISCARD", 100, 101)] * 3)
    assert plateau_line(rotating) == (
        "[plateau] 3 consecutive discards. Rotating to connection management."
    )
    stuck = ledger_status([exp("DISCARD", 100, 101)] * 6)
    assert plateau_line(stuck) == (
        "[plateau] 6 consecutive discards: stuck. Recovery checklist; 2 experiment(s) left."
    )
    done = ledger_status([exp("DISCARD", 100, 101)] * 8)
    assert plateau_line(done) == "[plateau] 8 consecutive discards, recovery exhausted. Stopping."
    gains = [exp("KEEP", 100, 100 - g) for g in (80, 30, 10, 3)]
    assert "Diminishing returns" in (plateau_line(ledger_status(gains)) or "")
    assert summary_line(rotating) == (
        "[progress] 3 experiments (0 kept, 3 discarded) | next: connection management"
    )
