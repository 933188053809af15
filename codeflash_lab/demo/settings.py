"""How much the guided demo measures: the full run (``make demo``) and a quick one for tests."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["DEMO_FULL", "DEMO_QUICK", "DemoSettings", "demo_settings"]


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """Measurement sizes of one demo run.

    Attributes:
        name: ``"full"`` or ``"quick"``.
        latency_ms: response time of the fake upstream service.
        runs: runs of the baseline benchmark (a single target); A/B comparisons take
            interleaved rounds instead, as many as their preset's budget allows.
        preset: the compare preset (``"full"``: 60 s budget; ``"quick"``: 30 s): the same
            adaptive compare and rules, with a smaller budget and fewer looks.
        run_s: measured seconds per run.
        warmup_s: discarded warm-up seconds before each run.
        concurrency: requests in flight (closed loop), locked at baseline.
        sweep: concurrency levels of the throughput-scaling curve.
        profile_calls: calls of each scenario under yappi and under debug mode.
        exercises: the experiments to run, by name (``None``: all of them, in order).
        isolation: how each benchmark run is isolated: ``"loop"`` (a fresh event loop per
            run; the servers under test are separate processes anyway) or ``"process"``
            (a fresh client process per run, slower to start).
    """

    name: str
    latency_ms: float
    runs: int
    preset: str
    run_s: float
    warmup_s: float
    concurrency: int
    sweep: tuple[int, ...]
    profile_calls: int
    exercises: tuple[str, ...] | None = None
    isolation: str = "loop"

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms: must be >= 0, got {self.latency_ms}")
        if self.runs < 1:
            raise ValueError(f"runs: must be at least 1, got {self.runs}")
        if self.preset not in ("full", "quick"):
            raise ValueError(f"preset: expected 'full' or 'quick', got {self.preset!r}")
        if self.run_s <= 0 or self.warmup_s < 0:
            raise ValueError("run_s must be positive and warmup_s not negative")
        if self.concurrency < 1:
            raise ValueError(f"concurrency: must be at least 1, got {self.concurrency}")
        if not self.sweep or min(self.sweep) < 1:
            raise ValueError(f"sweep: needs positive levels, got {self.sweep}")
        if self.profile_calls < 1:
            raise ValueError(f"profile_calls: must be at least 1, got {self.profile_calls}")
        if self.isolation not in ("process", "loop"):
            raise ValueError(f"isolation: expected 'process' or 'loop', got {self.isolation!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["sweep"] = list(self.sweep)
        data["exercises"] = None if self.exercises is None else list(self.exercises)
        return data

    def __str__(self) -> str:
        return (
            f"{self.name}: upstream {self.latency_ms:g} ms, {self.run_s:g} s runs in interleaved "
            f"rounds ({self.preset} compare preset) at concurrency {self.concurrency}"
        )


DEMO_FULL = DemoSettings(
    name="full",
    latency_ms=40.0,
    runs=3,
    preset="full",
    run_s=1.0,
    warmup_s=0.2,
    concurrency=8,
    sweep=(1, 4, 8, 16),
    profile_calls=5,
    isolation="loop",
)
"""``make demo``: about two minutes on a 2-core machine."""

DEMO_QUICK = DemoSettings(
    name="quick",
    latency_ms=25.0,
    runs=2,
    preset="quick",
    run_s=1.0,
    warmup_s=0.2,
    concurrency=8,
    sweep=(1, 4),
    profile_calls=2,
    exercises=("sequential-awaits", "blocking-call", "offload-render"),
    isolation="loop",
)
"""``demo --quick``: the same steps with short runs and the short compare preset (30 s)."""


def demo_settings(quick: bool) -> DemoSettings:
    """:data:`DEMO_QUICK` when ``quick``, else :data:`DEMO_FULL`."""
    return DEMO_QUICK if quick else DEMO_FULL
