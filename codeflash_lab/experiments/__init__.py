"""The experiment ledger: decision rules, plateau detection, git operations, review."""

from __future__ import annotations

__all__: list[str] = []
