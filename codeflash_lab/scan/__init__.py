"""Static analysis of asyncio code: findings, rule registry, output formats."""

from __future__ import annotations

__all__: list[str] = []
