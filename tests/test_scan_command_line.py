"""Code only a project's command-line program, its test helpers or its operator runs.

A click program's module calls a helper of another module (through one of its own
functions, even one nothing else in the file calls): the helper's blocking calls, also
the ones it makes through a third module, run once and are low. The same helper awaited
by a bot command stays a finding. A module of a ``cli`` package that prints is a console
program; a client made per call in a ``testing`` package serves no request. Each case is
scanned as a real package in a temp folder.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from codeflash_lab.scan import scan_paths

PATHS = """
from pathlib import Path


def data_root(base):
    root = Path(base) / "data"
    root.mkdir(exist_ok=True)
    return root
"""

BACKUP = """
import json
from pathlib import Path

from pkg import paths


async def create_backup(dest: Path):
    root = paths.data_root(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / "instance.json").open("w") as fh:
        json.dump({}, fh)
    return dest
"""

SETUP = """
import asyncio

import click

from pkg.backup import create_backup as make_backup


async def remove_instance(name, dest):
    await make_backup(dest)


async def remove_interactively():
    await remove_instance(input("name? "), ".")


@click.group()
def cli():
    pass


@cli.command()
@click.argument("name")
def delete(name):
    asyncio.run(remove_instance(name, "."))
"""

COG = """
from discord.ext import commands

from pkg.backup import create_backup


class Backups(commands.Cog):
    @commands.command()
    async def backup(self, ctx, dest):
        await create_backup(dest)
        await ctx.send("done")
"""

LOGIN = """
import json


async def login(server, sess, config_path):
    resp = await sess.post(server + "/login")
    token = (await resp.json())["token"]
    with open(config_path, "w") as fh:
        json.dump({"token": token}, fh)
    print("Logged in")
"""

TESTING = """
import aiohttp


async def call_endpoint(bot, endpoint):
    async with aiohttp.ClientSession() as session:
        async with session.get(bot.base_url + endpoint) as resp:
            return resp
"""


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    pkg = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(dedent(text))
    for folder in {p.parent for p in pkg.rglob("*.py")}:
        (folder / "__init__.py").touch()
    return pkg


def _levels(pkg: Path, name: str) -> dict[str, tuple[str, str]]:
    """Stripped source line -> (code, confidence) of the findings in ``name``."""
    result = scan_paths([pkg], workers=1, min_confidence="low", cache=False)
    lines = (pkg / name).read_text().splitlines()
    return {
        lines[f.line - 1].strip(): (f.code, f.confidence)
        for f in result.findings
        if Path(f.path).as_posix().endswith(name)
    }


def test_a_helper_only_a_click_program_runs_is_low_with_its_calls_into_other_modules(
    tmp_path: Path,
) -> None:
    pkg = _package(tmp_path, {"paths.py": PATHS, "backup.py": BACKUP, "setup.py": SETUP})
    levels = _levels(pkg, "backup.py")
    assert levels["dest.mkdir(parents=True, exist_ok=True)"] == ("CFL103", "low")
    assert levels['with (dest / "instance.json").open("w") as fh:'][1] == "low"
    assert levels["root = paths.data_root(dest)"] == ("CFL103", "low")  # found in another module


def test_the_same_helper_awaited_by_a_bot_command_stays_a_finding(tmp_path: Path) -> None:
    files = {"paths.py": PATHS, "backup.py": BACKUP, "setup.py": SETUP, "cog.py": COG}
    levels = _levels(_package(tmp_path, files), "backup.py")
    assert levels["dest.mkdir(parents=True, exist_ok=True)"] == ("CFL103", "high")
    assert levels["root = paths.data_root(dest)"][1] != "low"


def test_a_printing_module_of_a_cli_package_is_a_console_program(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"cli/login.py": LOGIN})
    assert _levels(pkg, "cli/login.py")['with open(config_path, "w") as fh:'][1] == "low"
    pkg2 = _package(tmp_path / "b", {"web/login.py": LOGIN})
    assert _levels(pkg2, "web/login.py")['with open(config_path, "w") as fh:'][1] == "high"


def test_a_client_per_call_in_a_testing_package_is_low(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {"testing/utils.py": TESTING})
    found = _levels(pkg, "testing/utils.py")["async with aiohttp.ClientSession() as session:"]
    assert found == ("CFL501", "low")
    pkg2 = _package(tmp_path / "b", {"connectors/utils.py": TESTING})
    found = _levels(pkg2, "connectors/utils.py")["async with aiohttp.ClientSession() as session:"]
    assert found == ("CFL501", "high")
