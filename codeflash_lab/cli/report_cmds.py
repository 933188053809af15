"""CLI: ``report``: write the self-contained HTML report and print its path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from codeflash_lab.cli._common import add_project_option
from codeflash_lab.report import build_report
from codeflash_lab.workspace.layout import Workspace

__all__ = ["cmd_report", "register"]


def register(subparsers: Any) -> None:
    """Add ``report`` to the top-level parser."""
    p = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report of the experiments",
        description=(
            "Build one HTML file from .codeflash/: the summary (baseline to now), latency and "
            "throughput charts, the experiments table, top scanner findings, the review, and "
            "the methodology. The file loads nothing from the network; share it as it is."
        ),
    )
    add_project_option(p)
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write the report (default: .codeflash/report.html in the project)",
    )
    p.add_argument("--title", help="page title (default: 'Async performance report: <project>')")
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Build the report, write it, and print the file's path on stdout."""
    ws = Workspace(args.project).require()
    report = build_report(ws, title=args.title)
    out = args.output if args.output is not None else ws.root / "report.html"
    path = report.to_file(out)
    for warning in report.warnings:
        print(f"codeflash-lab: warning: {warning}", file=sys.stderr)
    print(path.resolve())
    return 0
