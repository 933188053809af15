"""One set of measurement settings per preset: the locked methodology and the matching CLI options."""

from __future__ import annotations

import os
from pathlib import Path

from codeflash_lab.lab.params import Preset
from codeflash_lab.workspace import Methodology, Workspace, lock_methodology

__all__ = ["bench_options", "lock_baseline"]


def bench_options(preset: Preset, *, runs: int | None = None) -> list[str]:
    """The ``bench``/``compare`` command-line options that measure the way ``preset`` says.

    Args:
        preset: the notebook's preset (QUICK or FULL).
        runs: runs per side (default: the preset's).

    Returns:
        Options such as ``["--concurrency", "8", "--duration", "0.5", ...]``.
    """
    return [
        "--concurrency",
        str(preset.concurrency),
        "--runs",
        str(runs or preset.runs),
        "--duration",
        f"{preset.duration_s:g}",
        "--min-run",
        f"{preset.duration_s:g}",
        "--warmup",
        f"{preset.warmup_s:g}",
        "--isolation",
        "loop",
    ]


def lock_baseline(
    project: str | os.PathLike[str], target: str, preset: Preset, *, new_baseline: bool = False
) -> Methodology:
    """Lock the baseline methodology of ``target`` in the project's ``.codeflash/``.

    Every later benchmark of the same target must use the same settings (concurrency,
    run length, warm-up, loop), or be recorded as a new baseline.

    Args:
        project: the project folder (holds ``.codeflash/``).
        target: a stable name of what is measured (e.g. ``"GET /process"``: ports change).
        preset: the measurement sizes.
        new_baseline: replace a different earlier lock (the old one is kept in its history).

    Returns:
        The locked methodology.

    Raises:
        WorkspaceError: no ``.codeflash/`` folder yet (run discovery first).
        MethodologyError: a different methodology is locked and ``new_baseline`` is false.
    """
    from codeflash_lab.bench import BenchConfig
    from codeflash_lab.bench.session import methodology_for

    ws = Workspace(Path(project)).require()
    config = BenchConfig(
        concurrency=preset.concurrency,
        duration_s=preset.duration_s,
        min_run_s=preset.duration_s,
        warmup_s=preset.warmup_s,
    )
    locked, _ = lock_methodology(ws, methodology_for(target, config), new_baseline=new_baseline)
    return locked
