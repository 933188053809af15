"""Tolerant readers for the plain dicts saved under ``.codeflash/runs/`` (no drawing)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["as_dict", "number", "pick"]


def as_dict(obj: Any) -> dict[str, Any]:
    """A result object (anything with ``to_dict()``) or a mapping, as a plain dict.

    Raises:
        ValueError: neither a mapping nor a result.
    """
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    raise ValueError(f"expected a dict or a result with to_dict(), got {type(obj).__name__}")


def number(value: Any) -> float:
    """``value`` as a finite float, or NaN when it is missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def pick(d: Mapping[str, Any], *keys: str) -> float:
    """The first of ``keys`` present in ``d``, as a number (NaN when none is)."""
    for key in keys:
        if key in d:
            return number(d[key])
    return math.nan
