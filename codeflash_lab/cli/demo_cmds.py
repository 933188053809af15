"""CLI: ``demo`` (the guided workflow on the bundled service) and ``lab`` (JupyterLab)."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from codeflash_lab.cli._common import add_format_option, print_json
from codeflash_lab.demo import (
    DEFAULT_WORKDIR,
    WORKSHOP_EXERCISES,
    check_exercise,
    create_project,
    run_demo,
    running_copy,
)
from codeflash_lab.errors import DemoError

__all__ = ["cmd_demo", "cmd_lab", "cmd_workshop", "register"]


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

    ws = subparsers.add_parser(
        "workshop",
        help="workshop exercises on a copy of the demo service: list, copy, check",
        description=(
            "list: the exercises and their files; copy DIR: a fresh copy of the demo service "
            "(a git repository) for one attendee; serve: run a copy and its fake upstream on "
            "the attendee's own ports until Ctrl-C; check NAME: verify a fix in that copy "
            "(scanner finding gone, tests pass, A/B benchmark by the rules). Exit code of "
            "check: 0 passed, 1 not yet."
        ),
    )
    ws.add_argument("action", choices=("list", "copy", "serve", "check"))
    ws.add_argument("name", nargs="?", help="copy: the folder; check: the exercise")
    ws.add_argument(
        "--project",
        type=Path,
        default=Path.cwd(),
        metavar="DIR",
        help="serve/check: the attendee's copy (default: the current folder)",
    )
    ws.add_argument("--port", type=int, default=0, help="serve: the service's port")
    ws.add_argument("--upstream-port", type=int, default=0, help="serve: the upstream's port")
    ws.add_argument("--latency-ms", type=float, default=25.0, help="serve: upstream response time")
    ws.add_argument("--no-measure", action="store_true", help="check: skip the benchmark")
    add_format_option(ws)
    ws.set_defaults(handler=cmd_workshop)


@contextlib.contextmanager
def _interruptible() -> Iterator[list[bool]]:
    """Treat Ctrl-C and SIGTERM as an interrupt that cannot be lost while the demo runs.

    The handler raises ``KeyboardInterrupt`` and also remembers it: an interrupt that
    lands inside a finalizer (``__del__``) is swallowed by Python, so the flag is
    checked again at every progress line and when the run returns.
    """
    flag = [False]

    def handler(signum: int, frame: FrameType | None) -> None:
        flag[0] = True
        raise KeyboardInterrupt

    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield flag
        return
    try:
        yield flag
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the guided demo; print its progress lines, then the report's path."""
    try:
        with _interruptible() as interrupted:

            def say(line: str) -> None:
                if interrupted[0]:
                    raise KeyboardInterrupt
                print(line, flush=True)

            result = run_demo(
                args.workdir,
                quick=args.quick,
                port=args.port,
                upstream_port=args.upstream_port,
                say=say,
            )
            if interrupted[0]:
                raise KeyboardInterrupt
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
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Containers often run as root; JupyterLab refuses that unless told it is wanted.
        cmd.append("--allow-root")
    try:
        proc = subprocess.Popen(cmd)
    except FileNotFoundError as exc:
        raise DemoError("JupyterLab is not installed here; run 'make install' first") from exc
    try:
        with _interruptible():
            return proc.wait()
    except KeyboardInterrupt:
        # JupyterLab shuts down cleanly on SIGTERM; never leave it running behind us.
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 130


def cmd_workshop(args: argparse.Namespace) -> int:
    """``workshop list|copy DIR|check NAME``."""
    if args.action == "list":
        if args.format == "json":
            print_json([e.to_dict() for e in WORKSHOP_EXERCISES])
            return 0
        for e in WORKSHOP_EXERCISES:
            print(f"{e.name:<20} {e.file:<24} {e.title}")
        return 0
    if args.action == "serve":
        return _serve(args)
    if not args.name:
        raise ValueError(
            f"name: 'workshop {args.action}' needs a {'folder' if args.action == 'copy' else 'exercise name'}"
        )
    if args.action == "copy":
        copy = create_project(Path(args.name))
        print(copy.project)
        return 0
    result = check_exercise(args.name, args.project, measure=not args.no_measure)
    if args.format == "json":
        print_json(result.to_dict())
    else:
        print(result.to_text())
    return 0 if result.passed else 1


def _serve(args: argparse.Namespace) -> int:
    # Ctrl-C and SIGTERM stop both servers even when this process was started with SIGINT
    # ignored (as a shell without job control starts a background command).
    with (
        _interruptible(),
        running_copy(
            args.project,
            port=args.port,
            upstream_port=args.upstream_port,
            latency_ms=args.latency_ms,
        ) as copy,
    ):
        print(f"upstream: {copy.upstream} ({args.latency_ms:g} ms per call)")
        print(f"service:  {copy.service}  (try {copy.service}/process)", flush=True)
        print("Ctrl-C stops both.", file=sys.stderr, flush=True)
        try:
            while all(h.process.poll() is None for h in copy.servers.running):
                time.sleep(0.5)
        except KeyboardInterrupt:
            return 0
    raise DemoError("a server stopped on its own; see the logs in .codeflash-logs/")
