"""Scanner configuration: ``[tool.codeflash-lab]`` in the scanned project's pyproject.toml
and the target Python version (``.codeflash/setup.md``, then ``requires-python``).
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from codeflash_lab.scan.fixes import parse_version
from codeflash_lab.workspace.setup_md import read_setup_md

__all__ = ["ScanConfig", "find_project_root", "load_config"]


@dataclass(frozen=True)
class ScanConfig:
    """Settings read from the project.

    Attributes:
        root: the project folder (holding pyproject.toml or .codeflash/), if found.
        select: rule codes/categories to run (empty: all rules enabled by default).
        ignore: rule codes/categories to skip.
        exclude: extra file or folder names to skip while walking.
        target_version: the Python version fix templates are written for.
    """

    root: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    target_version: tuple[int, int] = (sys.version_info.major, sys.version_info.minor)


def find_project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding pyproject.toml or .codeflash/."""
    cur = start.resolve() if start.exists() else start.absolute()
    if cur.is_file():
        cur = cur.parent
    for folder in (cur, *cur.parents):
        if (folder / "pyproject.toml").is_file() or (folder / ".codeflash").is_dir():
            return folder
    return None


def _list(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{key}: expected a list of strings in [tool.codeflash-lab]")


def load_config(start: Path) -> ScanConfig:
    """Read the configuration of the project containing ``start``.

    Raises:
        ValueError: the ``[tool.codeflash-lab]`` table has a value of the wrong type.
    """
    root = find_project_root(start)
    if root is None:
        return ScanConfig()
    table: dict[str, object] = {}
    requires: str | None = None
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            doc = {}
        table = doc.get("tool", {}).get("codeflash-lab", {}) or {}
        requires = doc.get("project", {}).get("requires-python")
    version: tuple[int, int] | None = None
    if isinstance(table.get("target-version"), str):
        version = parse_version(str(table["target-version"]))
    setup = root / ".codeflash" / "setup.md"
    if version is None and setup.is_file():
        try:
            python = read_setup_md(root).get("python")
            version = parse_version(python) if python else None
        except (OSError, ValueError):
            version = None
    if version is None and isinstance(requires, str):
        try:
            version = parse_version(requires)
        except ValueError:
            version = None
    return ScanConfig(
        root=root,
        select=_list(table.get("select"), "select"),
        ignore=_list(table.get("ignore"), "ignore"),
        exclude=_list(table.get("exclude"), "exclude"),
        target_version=version or ScanConfig.target_version,
    )
