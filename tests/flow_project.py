"""A small project that is not the demo: an async service in ``src/`` layout, its own venv.

The venv has no pip; its one dependency (``tinydep``, which codeflash-lab does not
have) is a wheel written here and installed with ``pip --no-index``. The test runner
(pytest) comes from this environment through a ``.pth`` line, as a shared tool
install would. ``handle()`` blocks the event loop for 20 ms: removing that sleep is a
gain that holds at concurrency 2; a comment edit is a no-op change.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path
from typing import Any

__all__ = [
    "FAST_SERVICE",
    "NOOP_SERVICE",
    "OWN_TARGET",
    "SERVICE",
    "TARGET",
    "drop_the_wait",
    "git",
    "make_project",
    "own_git_project",
]

#: The own project's (``tests/own_project.py``) handler with a 20 ms wait to remove.
OWN_TARGET = "svc.handlers:slow_path"
OWN_HANDLERS = "src/svc/handlers.py"

TARGET = "src/tinysvc/service.py:handle"

SERVICE = '''"""The service's request handler."""

import asyncio
import time


async def handle() -> int:
    """Answer one request."""
    await asyncio.sleep(0)
    time.sleep(0.02)  # a blocking call inside the event loop
    return 1


def dependency_version() -> str:
    import tinydep

    return tinydep.VERSION
'''

FAST_SERVICE = SERVICE.replace(
    "    time.sleep(0.02)  # a blocking call inside the event loop\n", ""
).replace("import time\n", "")

NOOP_SERVICE = SERVICE.replace('"""Answer one request."""', '"""Answer one request (unchanged)."""')

_TESTS = """import asyncio

from tinysvc.service import dependency_version, handle


def test_handle_answers():
    assert asyncio.run(handle()) == 1


def test_dependency_is_installed():
    assert dependency_version() == "0.1"
"""

_PYPROJECT = """[project]
name = "tinysvc"
version = "0.1"
requires-python = ">=3.9"
dependencies = ["tinydep"]

[tool.pytest.ini_options]
pythonpath = ["src"]
"""


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return stdout (raises on failure)."""
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return proc.stdout


def _wheel(folder: Path) -> Path:
    path = folder / "tinydep-0.1-py3-none-any.whl"
    files = {
        "tinydep/__init__.py": 'VERSION = "0.1"\n',
        "tinydep-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinydep\nVersion: 0.1\n",
        "tinydep-0.1.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in [*files, "tinydep-0.1.dist-info/RECORD"])
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        zf.writestr("tinydep-0.1.dist-info/RECORD", record)
    return path


def make_project(root: Path) -> Path:
    """Write, install and commit the project at ``root`` (on branch ``main``)."""
    pkg = root / "src" / "tinysvc"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""A tiny async service."""\n')
    (pkg / "service.py").write_text(SERVICE)
    (root / "tests").mkdir()
    (root / "tests" / "test_service.py").write_text(_TESTS)
    (root / "pyproject.toml").write_text(_PYPROJECT)
    (root / ".gitignore").write_text(".venv/\n__pycache__/\n")
    env = root / ".venv"
    venv.EnvBuilder(with_pip=False).create(env)
    site = next((env / "lib").glob("python*/site-packages"))
    (site / "shared_tools.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = _wheel(root.parent)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install",
         "-q", "--no-index", "--no-deps", str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Author")
    git(root, "config", "user.email", "author@example.invalid")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "tinysvc")
    return root


def own_git_project(dest: Path, venv: Any) -> Path:
    """``tests/own_project.py``'s project at ``dest`` as a git repository (with an identity)
    whose tests import its own ``src`` (the shared venv's ``.pth`` names the first copy)."""
    from own_project import write_own_project

    project = write_own_project(dest, venv)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'testpaths = ["tests"]', 'testpaths = ["tests"]\npythonpath = ["src"]'
        )
    )
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.name", "Own Project")
    git(project, "config", "user.email", "own@example.invalid")
    git(project, "config", "commit.gpgsign", "false")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "service")
    return project


def drop_the_wait(text: str) -> str:
    """The own project's handlers without slow_path's 20 ms wait (the KEEP)."""
    return text.replace("    await asyncio.sleep(0.02)\n", "", 1)
