"""Options shared by several subcommands, defined once."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_format_option", "add_project_option", "print_json"]


def add_project_option(parser: argparse.ArgumentParser) -> None:
    """``--project DIR``: the project being optimized (holds ``.codeflash/``)."""
    parser.add_argument(
        "--project",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="project folder holding .codeflash/ (default: the current folder)",
    )


def add_format_option(
    parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("text", "json")
) -> None:
    """``--format``: human text (default) or machine-readable output on stdout."""
    parser.add_argument("--format", choices=choices, default="text", help="output format")


def print_json(obj: Any) -> None:
    """Print one JSON document on stdout (nothing else goes to stdout in JSON mode)."""
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
