"""The engine line of a printed result: which load generator a Locust series used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["engine_note"]


def engine_note(environment: Mapping[str, Any]) -> str | None:
    """``engine: locust, 2 workers`` from a result's environment; ``None`` for the built-in
    client (whose text stays as it was) or when the environment does not say.
    """
    engine = environment.get("engine")
    if not engine or engine == "builtin":
        return None
    workers = environment.get("workers")
    if not isinstance(workers, int):
        return f"engine: {engine}"
    return f"engine: {engine}, {workers} worker{'' if workers == 1 else 's'}"
