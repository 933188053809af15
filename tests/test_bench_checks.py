"""Stability warnings: fixed codes from per-run facts and across-run spread."""

from __future__ import annotations

import pytest

from codeflash_lab.bench.checks import StabilityWarning, run_warnings, series_warnings


def test_run_warnings_have_fixed_codes() -> None:
    facts = {
        "ok_ops": 500, "errors": 5, "latency_ms": {"p50": 0.0005}, "client_cpu": 0.95,
        "background_busy": 0.5, "nest_asyncio": True, "lag_stalls": 3, "lag_max_ms": 40.0,
        "mode": "closed", "dropped": 2, "schedule_lag_ms": {"p99": 8.0},
    }  # fmt: skip
    codes = [w.code for w in run_warnings(facts, index=1)]
    assert codes == [
        "few-ops-for-p99", "near-harness-floor", "client-cpu-saturated", "background-busy",
        "nest-asyncio-applied", "loop-lag-stalls", "op-errors", "dropped-arrivals",
        "queueing",
    ]  # fmt: skip
    assert run_warnings({"ok_ops": 50_000, "latency_ms": {"p50": 1.0}}) == []


def test_series_warnings_and_unknown_codes() -> None:
    codes = [w.code for w in series_warnings([100.0, 150.0, 80.0], [1.0, 1.0, 1.0])]
    assert codes == ["high-cv"]
    assert series_warnings([100.0, 101.0], [1.0, 1.0], interrupted=True)[0].code == "interrupted"
    with pytest.raises(ValueError, match="code"):
        StabilityWarning("made-up", "x")
