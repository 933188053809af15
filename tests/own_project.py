"""A project that is not the demo: a small async service in ``src/`` layout with its own venv.

The venv (``python -m venv --without-pip``) holds one dependency codeflash-lab does not
have, ``tinydep``: a tiny package the suite writes as a wheel and installs with
``pip --python VENV install --no-index``, plus pytest (repacked offline from this
environment's own files, for the project's test command); the service itself is on the venv's path through
a ``.pth`` file, like an editable install. The venv is built once per test session
(:func:`own_venv`); each test writes its own copy of the project (:func:`write_own_project`)
whose ``.venv`` links to it.

Usage in a test module::

    @pytest.fixture(scope="session")
    def venv(tmp_path_factory):
        return own_venv(tmp_path_factory)

    def test_x(venv, tmp_path):
        project = write_own_project(tmp_path / "svc", venv)
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

#: The dependency codeflash-lab does not have.
DEP = "tinydep"

HANDLERS = '''\
"""Request handlers of the tiny service."""

import asyncio
import time

import tinydep


async def handle():
    """A request: awaits a 2 ms backend call, then shapes the reply with tinydep."""
    await asyncio.sleep(0.002)
    return tinydep.shape({"ok": True, "n": 1})


async def blocking():
    """A request that blocks the event loop for 80 ms (time.sleep in async code)."""
    time.sleep(0.08)
    return tinydep.shape({"ok": True})


async def slow_path():
    """A request that waits 20 ms more than it needs to."""
    await asyncio.sleep(0.02)
    await asyncio.sleep(0.002)
    return tinydep.shape({"ok": True})
'''

PYPROJECT = """\
[project]
name = "svc"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["tinydep", "aiohttp"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

TEST_HANDLERS = """\
import asyncio

from svc.handlers import handle


def test_handle():
    assert asyncio.run(handle()) == {"n": 1, "ok": True}
"""


@dataclass(frozen=True)
class OwnVenv:
    """The project's venv, shared by every copy of the project in one test session.

    Attributes:
        root: the venv folder.
        python: its interpreter.
        site_packages: its site-packages folder.
        src: the folder its ``.pth`` file puts on the path (the first copy's ``src``).
    """

    root: Path
    python: Path
    site_packages: Path
    src: Path

    def listing(self) -> set[str]:
        """Every file under site-packages, relative (to compare before and after)."""
        return {
            str(p.relative_to(self.site_packages))
            for p in self.site_packages.rglob("*")
            if "__pycache__" not in p.parts
        }


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_dep_wheel(folder: Path) -> Path:
    """Write ``tinydep-0.1-py3-none-any.whl`` (pure Python, no build backend needed)."""
    files = {
        f"{DEP}/__init__.py": (
            b'"""A dependency only the project has."""\n\n__version__ = "0.1"\n\n\n'
            b"def shape(reply):\n    return dict(sorted(reply.items()))\n"
        ),
        f"{DEP}-0.1.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {DEP}\nVersion: 0.1\n".encode(),
        f"{DEP}-0.1.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = [_record_line(n, d) for n, d in files.items()] + [f"{DEP}-0.1.dist-info/RECORD,,"]
    files[f"{DEP}-0.1.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{DEP}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel


def repack_installed(name: str, folder: Path) -> Path:
    """A wheel of an installed pure-Python distribution of this environment (no network).

    Lets the project's venv get pytest offline: the files codeflash-lab's environment
    already holds are zipped back into a wheel that pip installs with ``--no-index``.
    """
    from importlib import metadata

    dist = metadata.distribution(name)
    files: dict[str, bytes] = {}
    info = ""
    for f in dist.files or ():
        rel = str(f)
        if rel.startswith("..") or "__pycache__" in rel or rel.endswith(".pyc"):
            continue
        if rel.endswith((".dist-info/RECORD", ".dist-info/INSTALLER", ".dist-info/REQUESTED")):
            continue
        if rel.endswith("direct_url.json"):
            continue
        if ".dist-info/" in rel:
            info = rel.split("/", 1)[0]
        files[rel] = Path(str(f.locate())).read_bytes()
    record = [_record_line(n, d) for n, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    norm = dist.metadata["Name"].replace("-", "_")
    wheel = folder / f"{norm}-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for rel, data in files.items():
            zf.writestr(rel, data)
    return wheel


def _requirements(name: str) -> list[str]:
    """``name`` and what it needs in this environment, recursively (markers evaluated)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        for text in metadata.requires(current) or ():
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def write_sources(project: Path) -> Path:
    """Write the service's files (``src/svc``, tests, pyproject) into ``project``."""
    pkg = project / "src" / "svc"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text('"""A tiny async service."""\n')
    (pkg / "handlers.py").write_text(HANDLERS)
    (project / "tests").mkdir(exist_ok=True)
    (project / "tests" / "test_handlers.py").write_text(TEST_HANDLERS)
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / ".gitignore").write_text(".venv\n__pycache__/\n")
    return project


def build_venv(base: Path) -> OwnVenv:
    """Create the venv under ``base`` with ``tinydep`` and pytest in it (no network)."""
    root = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    wheels = [write_dep_wheel(base / "wheels")]
    wheels += [repack_installed(n, base / "wheels") for n in _requirements("pytest")]
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-index", "--no-deps", "--disable-pip-version-check", *map(str, wheels)],
        check=True,
    )  # fmt: skip
    site = next((root / "lib").glob("python3*/site-packages"))
    src = write_sources(base / "first-copy") / "src"
    (site / "svc_src.pth").write_text(f"{src}\n")
    return OwnVenv(root=root, python=python, site_packages=site, src=src)


_VENVS: dict[Path, OwnVenv] = {}


def own_venv(factory: pytest.TempPathFactory) -> OwnVenv:
    """The session's venv of the own project (built on first use)."""
    base = factory.getbasetemp()
    if base not in _VENVS:
        _VENVS[base] = build_venv(factory.mktemp("own-project"))
    return _VENVS[base]


def write_own_project(dest: Path, venv: OwnVenv, *, git: bool = False) -> Path:
    """A fresh copy of the project at ``dest`` whose ``.venv`` links to the shared venv.

    Args:
        dest: the project folder to create.
        venv: from :func:`own_venv`.
        git: also make it a git repository with one commit.
    """
    write_sources(dest)
    (dest / ".venv").symlink_to(venv.root, target_is_directory=True)
    if git:
        env = ["-c", "user.name=Own Project", "-c", "user.email=own@example.invalid"]
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=dest, check=True)
        subprocess.run(["git", "add", "."], cwd=dest, check=True)
        subprocess.run(["git", *env, "commit", "-qm", "service"], cwd=dest, check=True)
    return dest
