"""Which async framework and async-relevant packages a project uses, read from its imports.

Walks the project's Python files (skipping virtualenvs, caches and build output, at most
3000 files), collects the top-level modules each one imports, and picks the framework
from them. Reads text only; never imports or runs the project's code. Kept apart from
:mod:`codeflash_lab.workspace.discovery`, which re-exports every public name here.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

__all__ = ["ASYNC_PACKAGES", "FRAMEWORKS"]

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
