"""The CLI entry points: console script, ``python -m``, help and errors."""

from __future__ import annotations

import subprocess
import sys

from codeflash_lab import __version__
from codeflash_lab.cli import COMMANDS, build_parser, main


def test_python_dash_m_prints_the_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert __version__ in out


def test_no_command_prints_help_and_exits_2(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 2
    assert "usage: codeflash-lab" in capsys.readouterr().err


def test_every_subcommand_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        assert p.description or p.format_help(), name


def test_the_command_table_names_the_module_of_every_command() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(COMMANDS) == set(sub.choices)  # type: ignore[arg-type]
    for name, module in COMMANDS.items():
        only = build_parser(name)
        only_sub = next(a for a in only._actions if a.dest == "command")
        assert name in only_sub.choices, (name, module)  # type: ignore[operator]


def test_one_command_imports_only_its_own_group() -> None:
    code = (
        "import sys; from codeflash_lab.cli import build_parser; build_parser('scan'); "
        "print(','.join(m for m in sys.modules if m.startswith('codeflash_lab.cli.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert set(out.split(",")) == {"codeflash_lab.cli._common", "codeflash_lab.cli.scan_cmds"}
