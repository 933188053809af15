"""Measurement presets for the guided notebooks (QUICK for tests, FULL for real work).

Every guided notebook starts with one cell tagged ``parameters`` (papermill's convention):
``project_dir`` (``None`` means the bundled demo) and ``quick`` (``True`` picks :data:`QUICK`).
A runner injects overrides in a cell right after it; :func:`preset` turns ``quick`` into numbers.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["FULL", "QUICK", "Preset", "preset"]


@dataclass(frozen=True)
class Preset:
    """How much measuring a notebook does.

    Attributes:
        name: ``"quick"`` or ``"full"``.
        runs: repeated runs of a single-target benchmark (``bench``).
        compare_preset: the compare preset (``"quick"``: 30 s budget, ``"full"``: 60 s): A/B
            comparisons take interleaved rounds until a verdict or that budget is spent.
        duration_s: measured seconds per run.
        warmup_s: seconds of warm-up discarded before each run.
        concurrency: requests in flight during the locked benchmark.
        sweep: concurrency levels for a scaling curve.
        profile_s: seconds of yappi profiling (a separate pass, never while timing).
        upstream_latency_ms: latency of the demo's fake upstream service.
    """

    name: str
    runs: int
    duration_s: float
    warmup_s: float
    concurrency: int
    sweep: tuple[int, ...]
    profile_s: float
    upstream_latency_ms: float
    compare_preset: str = "full"

    def __post_init__(self) -> None:
        if self.runs < 1:
            raise ValueError(f"runs must be at least 1, got {self.runs}")
        if self.duration_s <= 0:
            raise ValueError(f"duration_s must be positive, got {self.duration_s}")
        if self.warmup_s < 0:
            raise ValueError(f"warmup_s must not be negative, got {self.warmup_s}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.concurrency}")
        if not self.sweep or min(self.sweep) < 1:
            raise ValueError(f"sweep must hold positive levels, got {self.sweep}")
        if self.compare_preset not in ("quick", "full"):
            raise ValueError(
                f"compare_preset must be 'quick' or 'full', got {self.compare_preset!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        data = asdict(self)
        data["sweep"] = list(self.sweep)
        return data

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.duration_s:g}s runs (+{self.warmup_s:g}s warm-up) at concurrency "
            f"{self.concurrency}; compares use the {self.compare_preset} preset"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.to_dict().items()
        )
        return f"<table>{rows}</table>"


QUICK = Preset(
    name="quick",
    runs=2,
    duration_s=0.5,
    warmup_s=0.1,
    concurrency=8,
    sweep=(1, 4, 8),
    profile_s=0.5,
    upstream_latency_ms=20.0,
    compare_preset="quick",
)
"""Short runs for the test suite and a first look: the short compare preset (30 s budget)."""

FULL = Preset(
    name="full",
    runs=5,
    duration_s=2.0,
    warmup_s=0.5,
    concurrency=32,
    sweep=(1, 2, 4, 8, 16, 32, 64),
    profile_s=3.0,
    upstream_latency_ms=50.0,
    compare_preset="full",
)
"""Enough repeated runs for the decision rules to separate a real change from noise."""


def preset(quick: bool | str) -> Preset:
    """The preset a notebook's ``quick`` parameter asks for.

    Args:
        quick: ``True``/``False``, or a preset name (``"quick"``/``"full"``).

    Returns:
        :data:`QUICK` or :data:`FULL`.

    Raises:
        ValueError: ``quick`` is a string that names no preset.
    """
    if isinstance(quick, str):
        names = {"quick": QUICK, "full": FULL}
        if quick.lower() not in names:
            raise ValueError(f"quick must be a bool, 'quick' or 'full', got {quick!r}")
        return names[quick.lower()]
    return QUICK if quick else FULL
