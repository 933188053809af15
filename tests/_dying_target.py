"""Targets for the tests of runs kept after a failure: a module whose Nth fresh import exits.

Each measuring process imports the target module anew and counts the imports in a file
beside it, so the process that makes the ``die_at``-th import calls ``os._exit(3)`` from
its operation: every run before it finishes, that one fails.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from codeflash_lab.bench import BenchConfig

#: Short runs: one worker, 0.15 s per run after 0.02 s of warm-up.
QUICK = BenchConfig(concurrency=1, min_run_s=0.15, warmup_s=0.02)

_TEMPLATE = textwrap.dedent(
    """
    import asyncio, os, pathlib

    _COUNT = pathlib.Path(__file__).with_name("imports.txt")
    _N = int(_COUNT.read_text()) if _COUNT.exists() else 0
    _COUNT.write_text(str(_N + 1))


    async def {name}():
        if _N >= {die_at} - 1:
            os._exit(3)
        await asyncio.sleep({pause_s!r})
    """
)


def exit_in_process(die_at: int, *, name: str = "op", pause_s: float = 0.001) -> str:
    """Source of a target module whose async ``name()`` exits in the ``die_at``-th process
    that imports it (each op waits ``pause_s`` otherwise)."""
    return _TEMPLATE.format(name=name, die_at=die_at, pause_s=pause_s)


def target_project(tmp_path: Path, source: str) -> Path:
    """``tmp_path/proj`` with a ``.codeflash/`` folder and ``target.py`` holding ``source``."""
    project = tmp_path / "proj"
    (project / ".codeflash").mkdir(parents=True)
    (project / "target.py").write_text(source)
    return project


def by_index(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Saved runs in run order (saved within one second, their names can tie)."""
    return sorted(docs, key=lambda doc: doc["index"])
