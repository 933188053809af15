"""Benchmarks: closed- and open-loop drivers, statistics, A/B compare with a verdict, sweep.

Measurements never run on the caller's event loop: each run is a fresh process
(default for spec targets) or a fresh loop (in a worker thread inside Jupyter).
"""

from __future__ import annotations

from codeflash_lab.bench.checks import WARNING_CODES, StabilityWarning
from codeflash_lab.bench.compare import CompareResult, compare, compare_revisions
from codeflash_lab.bench.decision import Criterion, Decision, decide
from codeflash_lab.bench.model import BenchConfig, BenchResult, Run
from codeflash_lab.bench.nesting import apply_nest_asyncio
from codeflash_lab.bench.runner import Measurable, run_in_fresh_loop
from codeflash_lab.bench.session import abench, bench
from codeflash_lab.bench.sweep import (
    ConcurrencyProbe,
    SweepLevel,
    SweepResult,
    probe_concurrency,
    sweep,
)

__all__ = [
    "WARNING_CODES",
    "BenchConfig",
    "BenchResult",
    "CompareResult",
    "ConcurrencyProbe",
    "Criterion",
    "Decision",
    "Measurable",
    "Run",
    "StabilityWarning",
    "SweepLevel",
    "SweepResult",
    "abench",
    "apply_nest_asyncio",
    "bench",
    "compare",
    "compare_revisions",
    "decide",
    "probe_concurrency",
    "run_in_fresh_loop",
    "sweep",
]
