"""CLI: ``demo`` (the guided workflow on the bundled service) and ``lab`` (JupyterLab)."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from codeflash_lab.demo import DEFAULT_WORKDIR, run_demo
from codeflash_lab.errors import DemoError

__all__ = ["cmd_demo", "cmd_lab", "register"]


def register(subparsers: Any) -> None:
    """Add ``demo`` and ``lab`` to the top-level parser."""
    p = subparsers.add_parser(
        "demo",
        help="run the whole workflow on the bundled demo service and write the report",
        description=(
            "Copy the bundled shopfront service into a scratch git repository, start it and "
            "its fake upstream on 127.0.0.1, and run the workflow headless: discovery, "
            "baseline (scan, locked methodology), one experiment per planted antipattern "
            "measured A/B and kept or discarded by the rules, review, and the HTML report."
        ),
    )
    p.add_argument("--quick", action="store_true", help="tiny measurements (about 40 s)")
    p.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        metavar="DIR",
        help=f"scratch folder, replaced on every run (default: {DEFAULT_WORKDIR})",
    )
    p.add_argument(
        "--port", type=int, default=0, help="port of the baseline service (default: any free)"
    )
    p.add_argument(
        "--upstream-port",
        type=int,
        default=0,
        help="port of the fake upstream service (default: any free)",
    )
    p.set_defaults(handler=cmd_demo)

    lab = subparsers.add_parser(
        "lab",
        help="open JupyterLab on the guided notebooks",
        description="Start JupyterLab (from this environment) on 127.0.0.1 in notebooks/.",
    )
    lab.add_argument(
        "--notebooks",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder to open (default: the repository's notebooks/, else ./notebooks)",
    )
    lab.add_argument("--port", type=int, default=None, help="JupyterLab's port")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(handler=cmd_lab)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while the demo runs, so its servers are stopped too."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the guided demo; print its progress lines, then the report's path."""
    try:
        with _sigterm_as_interrupt():
            result = run_demo(
                args.workdir, quick=args.quick, port=args.port, upstream_port=args.upstream_port
            )
    except KeyboardInterrupt:
        print(
            "codeflash-lab: demo interrupted; every server it started is stopped. "
            f"The scratch folder {args.workdir} is left as it was and is replaced on the "
            "next run.",
            file=sys.stderr,
        )
        return 130
    print(result.to_text().split("\n", 1)[0])
    if result.report is not None:
        print(f"Report: {result.report}")
    return 0


def _notebooks_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    repo = Path(__file__).resolve().parents[2] / "notebooks"
    return repo if repo.is_dir() else Path.cwd() / "notebooks"


def _jupyter() -> list[str]:
    exe = Path(sys.executable).with_name("jupyter")
    if exe.exists():
        return [str(exe), "lab"]
    found = shutil.which("jupyter")
    return [found, "lab"] if found else [sys.executable, "-m", "jupyterlab"]


def cmd_lab(args: argparse.Namespace) -> int:
    """Start JupyterLab on the notebooks folder (loopback only) and wait for it to exit."""
    folder = _notebooks_dir(args.notebooks)
    if not folder.is_dir():
        raise DemoError(f"{folder}: no notebooks folder; pass --notebooks DIR")
    cmd = [*_jupyter(), str(folder), "--ServerApp.ip=127.0.0.1"]
    if args.port is not None:
        cmd.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        cmd.append("--no-browser")
    try:
        return subprocess.call(cmd)
    except FileNotFoundError as exc:
        raise DemoError("JupyterLab is not installed here; run 'make install' first") from exc
    except KeyboardInterrupt:
        return 130
