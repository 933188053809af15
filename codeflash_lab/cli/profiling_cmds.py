"""``debug``, ``profile`` and ``lag``: runtime evidence from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from codeflash_lab.cli._common import add_format_option, add_project_option, print_json
from codeflash_lab.profiling import DEFAULT_THRESHOLD_MS, profile_target, run_debug
from codeflash_lab.profiling.lag import monitor_target
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.runs import save_run
from codeflash_lab.workspace.setup_md import read_setup_md

__all__ = ["cmd_debug", "cmd_lag", "cmd_profile", "register"]


def _save(args: argparse.Namespace, kind: str, payload: dict[str, Any]) -> None:
    """Save under ``.codeflash/runs/`` when the project has a ``.codeflash/`` folder."""
    ws = Workspace(args.project)
    if args.no_save or not ws.root.is_dir():
        return
    path = save_run(ws, kind, payload)
    print(f"saved: {path}", file=sys.stderr)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-save", action="store_true", help="do not save in .codeflash/runs/")
    add_project_option(p)
    add_format_option(p)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``debug``, ``profile`` and ``lag`` subcommands."""
    d = subparsers.add_parser(
        "debug",
        help="run a command under asyncio debug mode; table of slow callbacks and leaks",
        description=(
            "Run CMD with PYTHONASYNCIODEBUG=1 and Python's development mode (-X dev for a "
            "python command) and list slow callbacks (with the line that blocked), "
            "coroutines never awaited and unclosed transports, sockets, loops and sessions. "
            "Without CMD, the test command from .codeflash/setup.md runs. Exit code 0 when "
            "the command succeeded, 1 when it failed or could not start (records are kept)."
        ),
    )
    d.add_argument(
        "--threshold-ms",
        type=float,
        default=DEFAULT_THRESHOLD_MS,
        metavar="MS",
        help=f"slow-callback threshold (default {DEFAULT_THRESHOLD_MS:g} ms, above the idle lag floor)",
    )
    d.add_argument("--timeout", type=float, metavar="S", help="stop the command after S seconds")
    d.add_argument(
        "--trace-alloc",
        type=int,
        default=0,
        metavar="N",
        help="tracemalloc frames, so leaks name the line that created them (slow; default off)",
    )
    d.add_argument("--quiet", action="store_true", help="do not echo the command's output")
    d.add_argument(
        "--target",
        metavar="TARGET",
        help="await TARGET (module:function or file.py:function) once in the project's "
        "interpreter instead of running CMD",
    )
    _common(d)
    d.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD...", help="the command to run")
    d.set_defaults(handler=cmd_debug)

    p = subparsers.add_parser(
        "profile",
        help="yappi WALL-clock profile of an async callable (its own pass, never while timing)",
        description=(
            "Call TARGET (package.module:function or path/file.py:function) repeatedly for "
            "--duration seconds under yappi's wall clock and list name, file:line, ncall, "
            "ttot and tsub with a reading: high ttot and low tsub means it awaits something "
            "slow; high tsub means the code itself is slow. yappi slows code about 9x, so "
            "these times are for finding where time goes, not for comparing speed."
        ),
    )
    p.add_argument("target", metavar="TARGET")
    p.add_argument("--top", type=int, default=30, metavar="N", help="rows to show (default 30)")
    p.add_argument("--duration", type=float, default=1.0, metavar="S", help="seconds (default 1)")
    p.add_argument(
        "--include-library", action="store_true", help="also list stdlib and package functions"
    )
    p.add_argument(
        "--install-yappi",
        action="store_true",
        help="first install yappi for the project's interpreter into a private cache folder",
    )
    _common(p)
    p.set_defaults(handler=cmd_profile)

    g = subparsers.add_parser(
        "lag",
        help="event-loop lag while an async callable runs: p50/p99/max and stalls",
        description=(
            "Call TARGET repeatedly for --duration seconds with a probe task measuring how "
            "late the loop wakes it; stalls over the threshold name the task and line that "
            "held the loop."
        ),
    )
    g.add_argument("target", metavar="TARGET")
    g.add_argument("--duration", type=float, default=1.0, metavar="S", help="seconds (default 1)")
    g.add_argument(
        "--threshold-ms", type=float, default=20.0, metavar="MS", help="stall threshold (20 ms)"
    )
    g.add_argument("--hook", action="store_true", help="time every callback (exact durations)")
    _common(g)
    g.set_defaults(handler=cmd_lag)


def _command(args: argparse.Namespace) -> list[str]:
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if cmd:
        return cmd
    setup = Workspace(args.project).setup_md
    test_command = read_setup_md(args.project).get("test_command", "") if setup.is_file() else ""
    if not test_command or test_command == "none":
        raise ValueError(
            "cmd: give a command after --, or run init so setup.md names a test command"
        )
    import shlex

    return shlex.split(test_command)


def cmd_debug(args: argparse.Namespace) -> int:
    """Run a command under asyncio debug mode and print what it reported."""
    options: dict[str, Any] = {
        "threshold_ms": args.threshold_ms,
        "cwd": args.project,
        "timeout_s": args.timeout,
        "trace_alloc_frames": args.trace_alloc,
        "echo": None if args.quiet else sys.stderr,
    }
    if args.target:
        from codeflash_lab.profiling.debug import debug_target

        report = debug_target(args.target, **options)
    else:
        report = run_debug(_command(args), **options)
    if args.format == "json":
        print_json([r.to_dict() for r in report.records])
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
        if not report.ok and report.output_tail:
            print("output (last lines):\n" + report.output_tail, file=sys.stderr, end="")
    else:
        print(report)
    _save(args, "debug", report.to_dict())
    return 0 if report.ok else 1


def cmd_profile(args: argparse.Namespace) -> int:
    """Profile a target under yappi's wall clock and print the rows."""
    if args.install_yappi:
        from codeflash_lab.profiling.in_project import interpreter_for
        from codeflash_lab.profiling.yappi_cache import install_yappi

        folder = install_yappi(interpreter_for(args.project).path)
        print(f"yappi for the project's interpreter: {folder}", file=sys.stderr)
    result = profile_target(
        args.target,
        cwd=str(args.project),
        duration_s=args.duration,
        include_library=args.include_library,
        top=args.top,
    )
    if args.format == "json":
        print_json(result.to_dict())
        print(f"note: {result.note}", file=sys.stderr)
    else:
        print(result)
    _save(args, "profile", result.to_dict())
    return 0 if result.error is None else 1


def cmd_lag(args: argparse.Namespace) -> int:
    """Measure event-loop lag while a target runs."""
    result = monitor_target(
        args.target,
        cwd=args.project,
        duration_s=args.duration,
        threshold_ms=args.threshold_ms,
        hook=args.hook,
    )
    doc = {"target": args.target, **result.to_dict()}
    if args.format == "json":
        print_json(doc)
    else:
        print(result)
    _save(args, "lag", doc)
    return 0
