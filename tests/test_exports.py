"""The public surface: sorted ``__all__`` lists that match reality, and a cheap import."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = [
    "codeflash_lab",
    "codeflash_lab.workspace",
    "codeflash_lab.scan",
    "codeflash_lab.profiling",
    "codeflash_lab.bench",
    "codeflash_lab.experiments",
    "codeflash_lab.experiments.review",
    "codeflash_lab.viz",
    "codeflash_lab.report",
    "codeflash_lab.lab",
    "codeflash_lab.demo",
    "codeflash_lab.errors",
    "codeflash_lab.categories",
]


def _ruff_order(name: str) -> tuple[int, str]:
    """The "isort-style" order ruff's RUF022 keeps: CONSTANTS, Classes, then the rest."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_ruff_order), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported)
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names {attr!r}, which does not exist"


HEAVY = ["matplotlib", "ipywidgets", "yappi", "jinja2", "pandas", "IPython", "nbclient", "aiohttp"]


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {p}\n" for p in PACKAGES)
        + f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing codeflash_lab loaded: {out}"


def test_importing_leaves_the_c_task_in_place() -> None:
    code = "import asyncio, codeflash_lab, codeflash_lab.bench; print(asyncio.Task.__module__)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "_asyncio"


def test_the_package_passes_its_own_lint() -> None:
    """ruff (with the ASYNC rules we teach) is clean on the package and the tests."""
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "codeflash_lab", "tests", "benchmarks"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
