"""Which scanned files are tests: pytest's conventions plus the project's own settings.

A file is a test file when, relative to the project root, it sits in a ``tests/`` or
``test/`` folder or under a configured ``testpaths`` entry, or its name matches
``test_*.py``, ``*_test.py``, ``conftest.py`` or a configured ``python_files`` pattern.
Settings come from ``[tool.pytest.ini_options]`` in pyproject.toml, then ``pytest.ini``,
``tox.ini`` (``[pytest]``) and ``setup.cfg`` (``[tool:pytest]``).
"""

from __future__ import annotations

import configparser
import fnmatch
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TestLayout", "load_test_layout"]

_DIRS = frozenset({"tests", "test"})
_DEFAULT_FILES = ("test_*.py", "*_test.py")


@dataclass(frozen=True)
class TestLayout:
    """Where a project keeps its tests.

    Attributes:
        root: the project folder paths are taken relative to (``None``: the scanned path).
        testpaths: configured test folders, relative to ``root``.
        python_files: file-name patterns of test modules.
    """

    __test__ = False  # not a pytest test class

    root: Path | None = None
    testpaths: tuple[str, ...] = ()
    python_files: tuple[str, ...] = _DEFAULT_FILES

    def is_test(self, path: str, base: str | None = None) -> bool:
        """True when ``path`` is a test file or folder by pytest's conventions.

        Args:
            path: the file (or folder).
            base: folder to take the path relative to when the project root is unknown.
        """
        anchor = str(self.root) if self.root is not None else base
        full = os.path.abspath(path)
        rel = os.path.relpath(full, anchor) if anchor else full
        if rel.startswith(".."):
            rel = full
        parts = rel.replace(os.sep, "/").split("/")
        name = parts[-1]
        if name == "conftest.py" or any(fnmatch.fnmatch(name, p) for p in self.python_files):
            return True
        if any(p in _DIRS for p in parts[:-1]) or (os.path.isdir(full) and name in _DIRS):
            return True
        joined = "/".join(parts)
        return any(
            joined == t or joined.startswith(t.rstrip("/") + "/") for t in self.testpaths if t
        )


def _split(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _ini_options(root: Path) -> dict[str, object]:
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            doc = {}
        table = doc.get("tool", {}).get("pytest", {}).get("ini_options")
        if isinstance(table, dict):
            return table
    for name, section in (
        ("pytest.ini", "pytest"),
        ("tox.ini", "pytest"),
        ("setup.cfg", "tool:pytest"),
    ):
        path = root / name
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            continue
        if parser.has_section(section):
            return dict(parser.items(section))
    return {}


def load_test_layout(root: Path | None) -> TestLayout:
    """The test layout of the project at ``root`` (pytest's defaults when unconfigured)."""
    if root is None:
        return TestLayout()
    options = _ini_options(root)
    files = _split(options.get("python_files")) or _DEFAULT_FILES
    return TestLayout(
        root=root,
        testpaths=tuple(t.strip("./") or t for t in _split(options.get("testpaths"))),
        python_files=tuple(dict.fromkeys((*files, *_DEFAULT_FILES))),
    )
