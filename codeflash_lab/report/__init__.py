"""The self-contained HTML report."""

from __future__ import annotations

__all__: list[str] = []
