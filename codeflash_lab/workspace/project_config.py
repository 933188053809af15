"""What the project's own files declare: Python version, test command, dependencies.

Reads pyproject.toml (PEP 621, PEP 735 groups, Poetry), ``setup.cfg``, ``.python-version``,
``pytest.ini``/``tox.ini``/``conftest.py`` and ``requirements*.txt``; never runs anything.
Package-internal helpers of :mod:`codeflash_lab.workspace.discovery`, which combines them.
"""

from __future__ import annotations

import configparser
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from codeflash_lab.errors import WorkspaceError

__all__: list[str] = []

_VERSION = re.compile(r"(\d+)\.(\d+)")


def _load_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: not valid TOML ({exc})") from exc


def _lower_bound(spec: str) -> str | None:
    """The lowest ``major.minor`` a version specifier allows (``>=3.11,<4`` -> ``3.11``)."""
    found = []
    for clause in re.split(r"[,|]", spec):
        clause = clause.strip()
        if clause.startswith(("<", "!")):
            continue
        m = _VERSION.search(clause)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
    if not found:
        return None
    major, minor = min(found)
    return f"{major}.{minor}"


def _python(project: Path, pyproject: dict[str, Any]) -> tuple[str, str]:
    spec = _table(pyproject.get("project")).get("requires-python")
    if not spec:
        poetry = _table(_table(pyproject.get("tool")).get("poetry"))
        spec = _table(poetry.get("dependencies")).get("python")
    if isinstance(spec, str) and (v := _lower_bound(spec)):
        return v, "requires-python"
    cfg = project / "setup.cfg"
    if cfg.exists():
        parser = configparser.ConfigParser()
        try:
            parser.read(cfg, encoding="utf-8")
            spec = parser.get("options", "python_requires", fallback="")
        except configparser.Error:
            spec = ""
        if spec and (v := _lower_bound(spec)):
            return v, "python_requires"
    pv = project / ".python-version"
    if pv.exists():
        m = re.search(r"(\d+)\.(\d+)", pv.read_text(encoding="utf-8", errors="replace"))
        if m:
            return f"{m.group(1)}.{m.group(2)}", ".python-version"
    return f"{sys.version_info.major}.{sys.version_info.minor}", "interpreter"


def _test_command(project: Path, pyproject: dict[str, Any], runner: str, deps: set[str]) -> str:
    pytest_config = (
        "pytest" in _table(pyproject.get("tool"))
        or (project / "pytest.ini").exists()
        or (project / "conftest.py").exists()
        or (project / "tests" / "conftest.py").exists()
        or "pytest" in deps
        or _ini_has(project / "setup.cfg", "tool:pytest")
        or _ini_has(project / "tox.ini", "pytest")
    )
    if pytest_config:
        return f"{runner} -m pytest"
    for folder in ("tests", "test"):
        if (project / folder).is_dir() and any((project / folder).glob("test*.py")):
            return f"{runner} -m unittest discover -s {folder}"
    return ""


def _ini_has(path: Path, section: str) -> bool:
    if not path.exists():
        return False
    try:
        return f"[{section}]" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _dist_name(requirement: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else ""


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    """The strings of a TOML array (or the keys of a table); anything else gives nothing."""
    if isinstance(value, dict):
        return [k for k in value if isinstance(k, str)]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _declared_deps(project: Path, pyproject: dict[str, Any]) -> set[str]:
    """Distribution names declared in pyproject.toml (PEP 621, PEP 735, Poetry) and requirements."""
    proj = _table(pyproject.get("project"))
    reqs = _strings(proj.get("dependencies"))
    for group in _table(proj.get("optional-dependencies")).values():
        reqs += _strings(group)
    for group in _table(pyproject.get("dependency-groups")).values():
        reqs += _strings(group)
    poetry = _table(_table(pyproject.get("tool")).get("poetry"))
    reqs += _strings(poetry.get("dependencies"))
    for grp in _table(poetry.get("group")).values():
        reqs += _strings(_table(grp).get("dependencies"))
    for req_file in sorted(project.glob("requirements*.txt")):
        try:
            text = req_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                reqs.append(line)
    names = {_dist_name(r) for r in reqs}
    names.discard("python")
    names.discard("")
    return names
