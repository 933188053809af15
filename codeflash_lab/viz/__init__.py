"""Charts (matplotlib Figures) and ipywidgets dashboards over results.tsv."""

from __future__ import annotations

__all__: list[str] = []
