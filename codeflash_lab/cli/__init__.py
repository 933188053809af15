"""The ``codeflash-lab`` command line: argparse subcommands over the public API.

Each command group lives in its own ``*_cmds`` module exposing
``register(subparsers)``; every handler has the form ``cmd_<name>(args) -> int``.
This package is the only place that turns errors into exit codes:

- 0: success (for ``scan``/``review``: nothing found);
- 1: findings, or a regression with ``--fail-on regression``;
- 2: an error (a one-line message on stderr, never a traceback);
- 130: interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from codeflash_lab import __version__
from codeflash_lab.errors import CodeflashLabError

__all__ = ["COMMANDS", "build_parser", "main"]

# Order in which command groups appear in --help (the workflow's order).
_GROUP_ORDER = (
    "workspace_cmds",
    "scan_cmds",
    "profiling_cmds",
    "bench_cmds",
    "experiment_cmds",
    "review_cmds",
    "report_cmds",
    "demo_cmds",
)


# Which module registers each command, so that running one command imports only its
# own group (a scan from a pre-commit hook should not pay for the notebook stack).
# tests/test_cli.py checks this table against what the modules register.
COMMANDS: dict[str, str] = {
    "init": "workspace_cmds",
    "record": "workspace_cmds",
    "status": "workspace_cmds",
    "scan": "scan_cmds",
    "debug": "profiling_cmds",
    "profile": "profiling_cmds",
    "lag": "profiling_cmds",
    "bench": "bench_cmds",
    "compare": "bench_cmds",
    "sweep": "bench_cmds",
    "locust-worker": "locust_cmds",
    "experiment": "experiment_cmds",
    "review": "review_cmds",
    "prs": "review_cmds",
    "report": "report_cmds",
    "demo": "demo_cmds",
    "lab": "demo_cmds",
    "workshop": "demo_cmds",
}


def _command_modules() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(__path__) if m.name.endswith("_cmds")}
    ordered = [name for name in _GROUP_ORDER if name in found]
    return ordered + sorted(found - set(ordered))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand.

    Args:
        only: register just the group of this command (a faster start); ``None``: all.
    """
    parser = argparse.ArgumentParser(
        prog="codeflash-lab",
        description=(
            "Find blocking calls, sequential awaits and concurrency bottlenecks in asyncio "
            "code, fix them one at a time, and keep only the changes a fair benchmark proves."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [COMMANDS[only]] if only in COMMANDS else _command_modules()
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS and "--help" not in words else None)
    args = parser.parse_args(words)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args))
    except CodeflashLabError as exc:
        print(f"codeflash-lab: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"codeflash-lab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("codeflash-lab: interrupted", file=sys.stderr)
        return 130
