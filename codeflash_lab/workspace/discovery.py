"""Discovery: what the project is (Python version, runner, tests, async framework, deps).

Reads files (pyproject.toml, lock files, ``.python-version``, requirements, the
project's own imports) and asks the project's interpreter for its version (see
``interpreter``); never runs the project's code.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.workspace.interpreter import Interpreter, find_interpreter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ASYNC_PACKAGES", "FRAMEWORKS", "Discovery", "discover"]

#: Frameworks, in the order they win when several are imported.
FRAMEWORKS: tuple[str, ...] = (
    "FastAPI",
    "Starlette",
    "Quart",
    "Sanic",
    "Django async",
    "aiohttp",
    "plain asyncio",
)

#: Distributions that matter for async performance (drivers, clients, servers, loops).
ASYNC_PACKAGES: frozenset[str] = frozenset(
    {
        "aio-pika",
        "aioboto3",
        "aiobotocore",
        "aiocache",
        "aiodns",
        "aiofiles",
        "aiohttp",
        "aiokafka",
        "aiolimiter",
        "aiomysql",
        "aiopg",
        "aioredis",
        "aiosmtplib",
        "aiosqlite",
        "anyio",
        "arq",
        "asgiref",
        "asyncpg",
        "asyncssh",
        "beanie",
        "channels",
        "databases",
        "fastapi",
        "granian",
        "httpcore",
        "httpx",
        "hypercorn",
        "motor",
        "psycopg",
        "pytest-asyncio",
        "quart",
        "redis",
        "sanic",
        "sqlalchemy",
        "starlette",
        "tortoise-orm",
        "trio",
        "uvicorn",
        "uvloop",
        "websockets",
    }
)

_SKIP_DIRS = {
    ".git",
    ".hg",
    ".venv",
    "venv",
    "env",
    ".tox",
    ".nox",
    "node_modules",
    "site-packages",
    "build",
    "dist",
    "__pycache__",
    ".codeflash",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
_MAX_FILES = 3000
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w, ()]+)|import\s+([\w., ]+))", re.M)
_VERSION = re.compile(r"(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery found about one project.

    Attributes:
        project: the project folder.
        python: ``major.minor`` the fixes must support (e.g. ``"3.12"``).
        python_source: where that came from (``requires-python``, ``.python-version``,
            ``interpreter``).
        runner: the command prefix that runs Python in the project (``uv run python``,
            ``.venv/bin/python``, ...); a manager command only when it is on ``PATH``.
        test_command: how the tests run, or ``""`` when none were found.
        framework: one of :data:`FRAMEWORKS`, or ``"none"``.
        async_deps: async-relevant dependencies, sorted.
        pre_commit: the project has ``.pre-commit-config.yaml``.
        files_scanned: Python files read to find imports.
        interpreter: the project's interpreter (path, version, why it was picked).
    """

    project: Path
    python: str
    python_source: str
    runner: str
    test_command: str
    framework: str
    async_deps: tuple[str, ...]
    pre_commit: bool
    files_scanned: int
    interpreter: Interpreter | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        d = asdict(self)
        d["project"] = str(self.project)
        d["async_deps"] = list(self.async_deps)
        d["interpreter"] = self.interpreter.to_dict() if self.interpreter else None
        return d

    def progress_line(self) -> str:
        """``[discovery] Python 3.12, FastAPI project, 4 async-relevant deps``."""
        if self.framework == "none":
            kind = "no async framework found"
        elif self.framework == "plain asyncio":
            kind = "plain asyncio project"
        else:
            kind = f"{self.framework} project"
        n = len(self.async_deps)
        deps = f"{n} async-relevant dep{'s' if n != 1 else ''}"
        return f"[discovery] Python {self.python}, {kind}, {deps}"

    def __str__(self) -> str:
        return self.progress_line()

    def to_frame(self) -> pd.DataFrame:
        """One row per fact (``fact``, ``value``)."""
        import pandas as pd

        items = [
            (k, ", ".join(v) if isinstance(v, list) else v)
            for k, v in self.to_dict().items()
            if k != "interpreter"
        ]
        if self.interpreter is not None:
            items.append(("interpreter", self.interpreter.path))
        return pd.DataFrame(items, columns=["fact", "value"]).set_index("fact")

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in self.to_dict().items()
        )
        return f"<p>{html.escape(self.progress_line())}</p><table>{rows}</table>"


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


def _python_files(project: Path) -> Iterator[Path]:
    count = 0
    for root, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(root) / name
                count += 1
                if count >= _MAX_FILES:
                    return


def _imports(project: Path) -> tuple[Counter[str], bool, int]:
    """Top-level modules imported (per file), whether any file defines ``async def``."""
    seen: Counter[str] = Counter()
    has_async = False
    n = 0
    for path in _python_files(project):
        n += 1
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        has_async = has_async or "async def" in text
        if path.name == "asgi.py":
            seen["asgi.py"] += 1
        mods: set[str] = set()
        for m in _IMPORT.finditer(text):
            if m.group(1):
                mods.add(m.group(1).split(".")[0])
                if m.group(1) == "aiohttp" and re.search(r"\bweb\b", m.group(2)):
                    mods.add("aiohttp.web")
                if m.group(1).startswith("aiohttp.web"):
                    mods.add("aiohttp.web")
            else:
                for part in m.group(3).split(","):
                    name = part.strip().split(" ")[0]
                    if name:
                        mods.add(name.split(".")[0])
                        if name.startswith("aiohttp.web"):
                            mods.add("aiohttp.web")
        seen.update(mods)
    return seen, has_async, n


def _framework(imports: Counter[str], has_async: bool) -> str:
    if imports["fastapi"]:
        return "FastAPI"
    if imports["starlette"]:
        return "Starlette"
    if imports["quart"]:
        return "Quart"
    if imports["sanic"]:
        return "Sanic"
    if imports["django"] and (has_async or imports["asgi.py"]):
        return "Django async"
    if imports["aiohttp.web"]:
        return "aiohttp"
    if imports["asyncio"] or imports["aiohttp"] or imports["anyio"] or has_async:
        return "plain asyncio"
    return "none"


def discover(
    project: str | os.PathLike[str],
    *,
    python: str | os.PathLike[str] | None = None,
    path_env: str | None = None,
) -> Discovery:
    """Look at a project folder and say what it is.

    Args:
        project: the project folder.
        python: the project's interpreter, when the person names it (``--python PATH``).
        path_env: the ``PATH`` searched for environment managers (default: this process's).

    Returns:
        The :class:`Discovery`.

    Raises:
        WorkspaceError: the folder does not exist, or its pyproject.toml is not valid TOML.
        ValueError: ``python`` is not an executable file.
    """
    root = Path(project).resolve()
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root}: not a folder; give the project folder")
    if not root.is_dir():
        raise WorkspaceError(f"{root}: no such project folder")
    pyproject = _load_toml(root / "pyproject.toml")
    version, source = _python(root, pyproject)
    interpreter = find_interpreter(root, pyproject, python=python, path_env=path_env)
    runner = interpreter.runner
    if source == "interpreter" and interpreter.version:
        version = ".".join(interpreter.version.split(".")[:2])
    declared = _declared_deps(root, pyproject)
    imports, has_async, n = _imports(root)
    if declared:
        async_deps = declared & ASYNC_PACKAGES
    else:
        async_deps = {m.replace("_", "-") for m in imports} & ASYNC_PACKAGES
    return Discovery(
        project=root,
        python=version,
        python_source=source,
        runner=runner,
        test_command=_test_command(root, pyproject, runner, declared),
        framework=_framework(imports, has_async),
        async_deps=tuple(sorted(async_deps)),
        pre_commit=(root / ".pre-commit-config.yaml").exists(),
        files_scanned=n,
        interpreter=interpreter,
    )
