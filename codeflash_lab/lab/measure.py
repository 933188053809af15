"""One set of measurement settings per preset: the locked methodology and the matching CLI options."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

from codeflash_lab.lab.params import Preset
from codeflash_lab.workspace import Methodology, Workspace, lock_methodology

if TYPE_CHECKING:
    from codeflash_lab.bench import BenchConfig, Measurable

__all__ = ["bench_config", "bench_options", "lock_baseline", "measurable"]


def bench_config(preset: Preset) -> BenchConfig:
    """The benchmark settings of ``preset`` (closed loop at its concurrency)."""
    from codeflash_lab.bench import BenchConfig

    return BenchConfig(
        concurrency=preset.concurrency,
        duration_s=preset.duration_s,
        min_run_s=preset.duration_s,
        warmup_s=preset.warmup_s,
    )


def measurable(
    target: str, name: str | None = None, *, project: str | os.PathLike[str] | None = None
) -> Measurable:
    """A benchmark target under a stable name, resolved against the project.

    Servers restart on new ports, so ``http://127.0.0.1:41234/process`` and
    ``http://127.0.0.1:39876/process`` are the same target under the name ``GET /process``;
    the name is what the methodology lock and the experiment log refer to.

    A kernel usually runs in ``notebooks/``, not in the project: with ``project`` a spec
    such as ``app.py:handler`` or ``pkg.module:func`` is resolved from the project folder
    (and runs in the project's interpreter), whatever the kernel's current folder is.

    Args:
        target: a URL, ``module:function`` or ``file.py:function``.
        name: the stable name (default: ``target`` itself).
        project: the project folder specs are resolved from (default: the current folder).

    Returns:
        The labelled target.
    """
    from codeflash_lab.bench import Measurable

    cwd = None if project is None else str(Path(project).expanduser().resolve())
    return dataclasses.replace(Measurable.of(target, cwd=cwd), label=name or target)


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
    from codeflash_lab.bench.session import methodology_for

    ws = Workspace(Path(project)).require()
    config = bench_config(preset)
    locked, _ = lock_methodology(ws, methodology_for(target, config), new_baseline=new_baseline)
    return locked
