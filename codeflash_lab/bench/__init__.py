"""Benchmarks: targets, closed- and open-loop drivers, statistics, A/B compare, sweep."""

from __future__ import annotations

__all__: list[str] = []
