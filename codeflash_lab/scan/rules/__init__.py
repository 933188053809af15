"""Scanner rules, one module per theme (each module lists its codes in its docstring)."""

from __future__ import annotations

__all__: list[str] = []
