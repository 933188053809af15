"""Discovery on small scratch projects: Python version, runner, tests, framework, deps."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.workspace.discovery import discover
from tests.fake_tools import fake_path


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


FASTAPI_PYPROJECT = """
[project]
name = "svc"
requires-python = ">=3.12,<4"
dependencies = ["fastapi>=0.110", "httpx", "asyncpg>=0.29", "uvicorn[standard]", "pydantic"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
"""


def test_fastapi_project_with_uv(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "pyproject.toml": FASTAPI_PYPROJECT,
            "uv.lock": "",
            "app/main.py": "from fastapi import FastAPI\nimport asyncio\napp = FastAPI()\n",
            ".pre-commit-config.yaml": "repos: []\n",
        },
    )
    d = discover(tmp_path, path_env=fake_path(tmp_path / "bin", ["uv"]))
    assert (d.python, d.python_source) == ("3.12", "requires-python")
    assert d.runner == "uv run python"
    assert d.test_command == "uv run python -m pytest"
    assert d.framework == "FastAPI"
    assert d.async_deps == ("asyncpg", "fastapi", "httpx", "uvicorn")
    assert d.pre_commit
    assert d.progress_line() == "[discovery] Python 3.12, FastAPI project, 4 async-relevant deps"


def test_poetry_python_constraint_and_aiohttp_server(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "pyproject.toml": (
                '[tool.poetry.dependencies]\npython = "^3.10"\naiohttp = "^3.9"\naiofiles = "*"\n'
            ),
            "srv.py": "from aiohttp import web\n",
        },
    )
    d = discover(tmp_path, path_env=fake_path(tmp_path / "bin", ["poetry"]))
    assert (d.python, d.runner) == ("3.10", "poetry run python")
    assert d.framework == "aiohttp"
    assert d.async_deps == ("aiofiles", "aiohttp")
    assert not d.pre_commit


def test_aiohttp_as_a_client_only_is_plain_asyncio(tmp_path: Path) -> None:
    make(tmp_path, {"client.py": "import aiohttp\n\nasync def get(): ...\n"})
    d = discover(tmp_path)
    assert d.framework == "plain asyncio"
    assert d.async_deps == ("aiohttp",)  # nothing declared: taken from imports
    assert "plain asyncio project, 1 async-relevant dep" in d.progress_line()


@pytest.mark.parametrize(
    ("files", "framework"),
    [
        ({"a.py": "from starlette.applications import Starlette\n"}, "Starlette"),
        ({"a.py": "from quart import Quart\n"}, "Quart"),
        ({"a.py": "from sanic import Sanic\n"}, "Sanic"),
        ({"v.py": "from django.http import JsonResponse\nasync def v(r): ...\n"}, "Django async"),
        ({"v.py": "import django\n", "proj/asgi.py": "x = 1\n"}, "Django async"),
        ({"v.py": "import django\n"}, "none"),
        ({"m.py": "import asyncio\n"}, "plain asyncio"),
        ({"m.py": "import os\n"}, "none"),
    ],
)
def test_framework_from_imports(tmp_path: Path, files: dict[str, str], framework: str) -> None:
    assert discover(make(tmp_path, files)).framework == framework


def test_python_version_file_and_interpreter_fallback(tmp_path: Path) -> None:
    make(tmp_path, {".python-version": "3.11.9\n"})
    assert discover(tmp_path).python == "3.11"
    other = tmp_path / "other"
    other.mkdir()
    d = discover(other)
    assert d.python == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert d.python_source == "interpreter"
    assert d.framework == "none"
    assert "no async framework found, 0 async-relevant deps" in d.progress_line()


@pytest.mark.parametrize(
    ("files", "runner"),
    [
        ({"poetry.lock": ""}, "poetry run python"),
        ({"pdm.lock": ""}, "pdm run python"),
        ({"hatch.toml": ""}, "hatch run python"),
        ({".venv/bin/python": ""}, ".venv/bin/python"),
        ({}, "python"),
    ],
)
def test_runner_when_the_manager_is_on_path(
    tmp_path: Path, files: dict[str, str], runner: str
) -> None:
    path = fake_path(tmp_path / "bin", ["poetry", "pdm", "hatch"])
    (tmp_path / "p").mkdir()
    assert discover(make(tmp_path / "p", files), path_env=path).runner == runner


@pytest.mark.parametrize("lock", ["uv.lock", "poetry.lock", "pdm.lock", "hatch.toml"])
def test_a_manager_missing_from_path_is_never_the_runner(tmp_path: Path, lock: str) -> None:
    project = make(tmp_path / "p", {lock: ""})
    d = discover(project, path_env=fake_path(tmp_path / "bin", []))
    assert d.runner == "python"
    assert d.test_command == ""
    assert d.interpreter is not None
    name = {"uv.lock": "uv", "poetry.lock": "poetry", "pdm.lock": "pdm"}.get(lock, "hatch")
    assert f"`{name}` is not on PATH: not used" in "\n".join(d.interpreter.notes)


def test_unittest_project_and_requirements(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "tests/test_x.py": "import unittest\n",
            "requirements.txt": "redis>=5  # cache\n-e .\nrequests\n",
            "setup.cfg": "[options]\npython_requires = >=3.9\n",
        },
    )
    d = discover(tmp_path)
    assert d.test_command == "python -m unittest discover -s tests"
    assert d.async_deps == ("redis",)
    assert (d.python, d.python_source) == ("3.9", "python_requires")


def test_virtualenvs_are_not_scanned(tmp_path: Path) -> None:
    make(tmp_path, {".venv/lib/fastapi/x.py": "import fastapi\n", "app.py": "import asyncio\n"})
    d = discover(tmp_path)
    assert d.framework == "plain asyncio"
    assert d.files_scanned == 1


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no such project folder"):
        discover(tmp_path / "missing")
    make(tmp_path, {"pyproject.toml": "[project\n"})
    with pytest.raises(WorkspaceError, match="not valid TOML"):
        discover(tmp_path)


def test_odd_pyproject_shapes_do_not_crash(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "pyproject.toml": (
                'project = "oops"\n[tool]\npoetry = 3\n[dependency-groups]\ndev = ["pytest", {x = 1}]\n'
            ),
        },
    )
    d = discover(tmp_path)
    assert d.test_command.endswith(" -m pytest")
    assert d.python_source == "interpreter"


def test_a_file_is_not_a_project(tmp_path: Path) -> None:
    f = tmp_path / "f.py"
    f.write_text("")
    with pytest.raises(WorkspaceError, match="not a folder"):
        discover(f)
