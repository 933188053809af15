"""Imports between subpackages flow one way (lower layers never import higher ones)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "codeflash_lab"

# Which internal areas each area may import. The base modules (errors,
# categories, _git, targets, _loopback, verdicts) may be imported by everyone and import only each other.
# The measuring child (_child) is base too: standard library only, it imports nothing of ours,
# and the bench imports its drivers and statistics so both measure with one copy.
BASE = {"errors", "categories", "_git", "targets", "_loopback", "verdicts", "_child", "__init__"}
ALLOWED: dict[str, set[str]] = {
    "workspace": set(),
    "scan": {"workspace"},
    "profiling": {"workspace", "scan"},
    "bench": {"workspace", "profiling"},
    "experiments": {"workspace", "scan", "profiling", "bench"},
    "viz": {"workspace", "scan", "profiling", "bench", "experiments"},
    "report": {"workspace", "scan", "profiling", "bench", "experiments", "viz"},
    "lab": {"workspace", "scan", "profiling", "bench", "experiments", "viz", "report"},
    "demo": {"workspace", "scan", "profiling", "bench", "experiments", "viz", "report", "lab"},
    "cli": {
        "workspace",
        "scan",
        "profiling",
        "bench",
        "experiments",
        "viz",
        "report",
        "lab",
        "demo",
    },
}


def _area(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _internal_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "codeflash_lab" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "demo/service" not in p.as_posix())


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path: Path) -> None:
    area = _area(path)
    if path == PACKAGE / "__init__.py":
        return  # the public facade: it names the public API of every layer, loaded lazily
    if area == "_child":  # run by file path in the project's interpreter: nothing of ours
        assert not _internal_imports(path), f"{path.relative_to(PACKAGE)} must import nothing"
        return
    imported = _internal_imports(path) - {area}
    if area in BASE or area == "__main__":
        allowed = BASE | ({"cli"} if area == "__main__" else set())
    else:
        allowed = BASE | ALLOWED[area]
    bad = sorted(imported - allowed)
    assert not bad, f"{path.relative_to(PACKAGE)} ({area}) must not import {bad}"


def test_nothing_imports_the_cli() -> None:
    for path in MODULES:
        if _area(path) in ("cli", "__main__"):
            continue
        assert "cli" not in _internal_imports(path), path
