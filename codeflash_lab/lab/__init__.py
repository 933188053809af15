"""Notebook-side helpers: parameters and the QUICK preset, and a headless notebook runner."""

from __future__ import annotations

__all__: list[str] = []
