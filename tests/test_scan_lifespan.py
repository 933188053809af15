"""Start-up code reached from another module: a lifespan hook, a signal handler or a
command-line command calls into a module whose blocking calls then run once, not per
request. Scanned as a real package in a temp folder, with and without the cache."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from codeflash_lab.scan import scan_paths

CONTROLLER = """
import os


class Controller:
    _instance = None

    @classmethod
    def instance(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    async def start(self, vars_file="vars.json", folder="projects"):
        await self._load_vars(vars_file)
        await self.load_projects(folder)

    async def reload(self):
        await self.load_projects("projects")

    async def _load_vars(self, vars_file):
        with open(vars_file) as f:
            self.vars = f.read()

    async def load_projects(self, folder):
        self.projects = os.listdir(folder)

    async def open_project(self, name):
        return os.listdir(os.path.join("projects", name))
"""

TASKS = """
from pkg.controller import Controller


def create_startup_handler(app):
    async def start_app():
        await Controller.instance().start()

    return start_app
"""

APP = """
from fastapi import FastAPI

from pkg import tasks
from pkg.controller import Controller

app = FastAPI()
app.add_event_handler("startup", tasks.create_startup_handler(app))


def reload_all():
    asyncio.ensure_future(Controller.instance().reload())


asyncio.get_event_loop().add_signal_handler(signal.SIGHUP, reload_all)


@app.get("/projects/{name}")
async def project(name: str):
    return await Controller.instance().open_project(name)
"""

CHECKS = """
import os


async def check_folders(root):
    return os.listdir(root)


async def list_folder(root):
    return os.listdir(root)
"""

CLI = """
import asyncio

import click

from pkg.checks import check_folders


@click.command()
def serve():
    asyncio.run(check_folders("."))
"""

ROUTES = """
from fastapi import FastAPI

from pkg.checks import list_folder

app = FastAPI()


@app.get("/folder")
async def folder():
    return await list_folder(".")
"""


def _package(tmp_path: Path, **modules: str) -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in modules.items():
        (pkg / f"{name}.py").write_text(dedent(text))
    return pkg


def _levels(pkg: Path, **kw: object) -> dict[tuple[str, str], str]:
    result = scan_paths([pkg], workers=1, min_confidence="low", **kw)  # type: ignore[arg-type]
    lines = {
        p.name: p.read_text().splitlines() for p in pkg.glob("*.py") if p.name != "__init__.py"
    }
    return {
        (Path(f.path).name, lines[Path(f.path).name][f.line - 1].strip()): f.confidence
        for f in result.findings
        if f.code.startswith("CFL10")
    }


def test_code_reached_only_from_a_start_up_hook_elsewhere_is_low(tmp_path: Path) -> None:
    pkg = _package(tmp_path, controller=CONTROLLER, tasks=TASKS, app=APP)
    levels = _levels(pkg, cache=False)
    assert levels[("controller.py", "with open(vars_file) as f:")] == "low"
    assert levels[("controller.py", "self.projects = os.listdir(folder)")] == "low"
    # a request handler reaches open_project: it stays a finding
    assert levels[("controller.py", 'return os.listdir(os.path.join("projects", name))')] != "low"


def test_without_the_hook_the_same_code_is_reported(tmp_path: Path) -> None:
    app = APP.replace('app.add_event_handler("startup", tasks.create_startup_handler(app))', "")
    pkg = _package(
        tmp_path, controller=CONTROLLER, tasks=TASKS.replace("startup", "worker"), app=app
    )
    levels = _levels(pkg, cache=False)
    assert levels[("controller.py", "with open(vars_file) as f:")] != "low"
    assert levels[("controller.py", "self.projects = os.listdir(folder)")] != "low"


def test_an_async_def_run_by_another_modules_command_is_low(tmp_path: Path) -> None:
    pkg = _package(tmp_path, checks=CHECKS, cli=CLI, routes=ROUTES)
    lines = (pkg / "checks.py").read_text().splitlines()
    result = scan_paths([pkg], workers=1, min_confidence="low", cache=False)
    by_line = {f.line: f.confidence for f in result.findings if f.path.endswith("checks.py")}
    check_line = lines.index("    return os.listdir(root)") + 1
    list_line = len(lines) - lines[::-1].index("    return os.listdir(root)")
    assert by_line[check_line] == "low"
    assert by_line[list_line] != "low"  # list_folder is awaited by a request handler


def test_an_edit_of_the_hook_module_refreshes_the_callee_with_a_cache(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CODEFLASH_LAB_CACHE_DIR", str(tmp_path / "cache"))
    pkg = _package(tmp_path, controller=CONTROLLER, tasks=TASKS, app=APP)
    key = ("controller.py", "self.projects = os.listdir(folder)")
    assert _levels(pkg)[key] == "low"
    (pkg / "tasks.py").write_text(dedent(TASKS.replace("startup", "worker")))
    (pkg / "app.py").write_text(
        dedent(
            APP.replace(
                '"startup", tasks.create_startup_handler', '"x", tasks.create_worker_handler'
            )
        )
    )
    assert _levels(pkg)[key] != "low"


SHUTDOWN_TASKS = """
from pkg.controller import Controller


def create_shutdown_handler(app):
    async def shutdown_handler():
        await Controller.instance().stop()

    return shutdown_handler
"""

STOPPING_CONTROLLER = (
    CONTROLLER
    + """
    async def stop(self, state_file="state.json"):
        with open(state_file, "w") as f:
            f.write(str(self.projects))
"""
)


def test_code_a_shutdown_hook_reaches_in_another_module_is_low(tmp_path: Path) -> None:
    app = APP.replace("create_startup_handler", "create_shutdown_handler").replace(
        '"startup"', '"shutdown"'
    )
    pkg = _package(tmp_path, controller=STOPPING_CONTROLLER, tasks=SHUTDOWN_TASKS, app=app)
    levels = _levels(pkg, cache=False)
    assert levels[("controller.py", 'with open(state_file, "w") as f:')] == "low"
    assert levels[("controller.py", "with open(vars_file) as f:")] != "low"  # start() runs per call
