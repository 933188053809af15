"""Compare presets: the same adaptive compare and the same rules, with different budgets.

The full preset is what ``codeflash-lab compare`` uses. The short preset serves
``demo --quick``, the workshop checker and the notebooks' ``quick=True``: shorter runs and
a smaller budget, never fewer rounds than the method's first look.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codeflash_lab.bench.sequential import FULL_LOOKS, QUICK_LOOKS, Design

__all__ = ["FULL", "PRESETS", "QUICK", "Preset", "get_preset"]


@dataclass(frozen=True, slots=True)
class Preset:
    """How long a compare may take and how often it looks.

    Attributes:
        name: ``"full"`` or ``"quick"``.
        budget_s: hard cap on the whole compare (process starts and the round in flight
            included); when it is spent before a zone is reached the verdict is
            INCONCLUSIVE.
        design: the look schedule and error rate.
        run_s: measured seconds per run suggested to callers that do not set their own.
        warmup_s: warm-up seconds per run suggested likewise.
    """

    name: str
    budget_s: float
    design: Design
    run_s: float
    warmup_s: float

    def __post_init__(self) -> None:
        if self.budget_s <= 0:
            raise ValueError(f"budget_s: must be positive, got {self.budget_s}")

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "budget_s": self.budget_s,
            "design": self.design.to_dict(),
            "run_s": self.run_s,
            "warmup_s": self.warmup_s,
        }


FULL = Preset("full", 60.0, Design(FULL_LOOKS), run_s=1.0, warmup_s=0.5)
QUICK = Preset("quick", 30.0, Design(QUICK_LOOKS), run_s=0.5, warmup_s=0.2)
PRESETS = {p.name: p for p in (FULL, QUICK)}


def get_preset(name: str | Preset | None) -> Preset:
    """A preset by name (``None``: the full one).

    Raises:
        ValueError: unknown name.
    """
    if isinstance(name, Preset):
        return name
    if name is None:
        return FULL
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"preset: expected one of {sorted(PRESETS)}, got {name!r}") from None
