"""The package-level ``scan_paths``: scan, then save the findings where the report finds them.

``codeflash_lab.scan_paths`` is this function. It runs
:func:`codeflash_lab.scan.engine.scan_paths` and, when the scanned code sits in a
project with a ``.codeflash/`` folder, saves the result as a ``scan`` run (as the CLI's
``scan`` does), so a report built afterwards lists the findings.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeflash_lab.scan.engine import scan_paths as _scan_paths
from codeflash_lab.scan.finding import ScanResult
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.runs import save_run

__all__ = ["find_workspace", "scan_paths"]


def find_workspace(path: str | os.PathLike[str]) -> Workspace | None:
    """The workspace of the project holding ``path``: the nearest folder, from ``path``
    up, that has a ``.codeflash/`` folder (``None``: there is none)."""
    here = Path(path).resolve()
    for folder in (here, *here.parents) if here.is_dir() else here.parents:
        ws = Workspace(folder)
        if ws.exists():
            return ws
    return None


def scan_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    save: bool = True,
    project: str | os.PathLike[str] | None = None,
    **options: Any,
) -> ScanResult:
    """Scan ``paths`` (see :func:`codeflash_lab.scan.engine.scan_paths` for ``options``)
    and save the result for the report.

    Args:
        paths: files and folders to scan.
        save: save the result as a ``scan`` run in the project's ``.codeflash/runs/``.
        project: the project folder (default: the nearest one above the first path
            that has a ``.codeflash/`` folder; nothing is saved when there is none).
        **options: passed on to the scanner (``select``, ``exclude``, ``cache``...).

    Returns:
        The :class:`ScanResult`.
    """
    result = _scan_paths(paths, **options)
    if save and paths:
        ws = Workspace(Path(project)) if project is not None else find_workspace(paths[0])
        if ws is not None and ws.exists():
            save_run(ws, "scan", result.to_dict())
    return result
