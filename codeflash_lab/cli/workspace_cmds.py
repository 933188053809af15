"""CLI: ``init``, ``record`` and ``status``: the .codeflash/ workspace and the experiment ledger."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from codeflash_lab.categories import SLUGS
from codeflash_lab.cli._common import add_format_option, add_project_option, print_json
from codeflash_lab.experiments.compare_input import load_compare
from codeflash_lab.experiments.gitops import BRANCH, ensure_branch
from codeflash_lab.experiments.ledger import (
    record_experiment,
    recover_ledger,
    workspace_history,
)
from codeflash_lab.experiments.ledger_scan import scan_ledger
from codeflash_lab.workspace.initialize import init_workspace
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import parse_change

__all__ = ["cmd_init", "cmd_record", "cmd_status", "register"]


def _percent(text: str) -> float:
    value = parse_change(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a percent like -63% or +12%, got {text!r}")
    return value


def register(subparsers: Any) -> None:
    """Add ``init``, ``record`` and ``status`` to the top-level parser."""
    p = subparsers.add_parser(
        "init",
        help="discover the project and create .codeflash/ (never overwrites the log)",
        description=(
            "Find the project's Python version, runner, test command, async framework and "
            "async dependencies; write .codeflash/setup.md, and create HANDOFF.md, results.tsv "
            "and learnings.md when missing. Safe to re-run."
        ),
    )
    p.add_argument("path", nargs="?", type=Path, default=Path.cwd(), help="project folder")
    p.add_argument(
        "--python",
        metavar="PATH",
        help="the project's interpreter (default: found from .venv, Poetry, uv, Hatch, conda)",
    )
    p.add_argument(
        "--branch",
        action="store_true",
        help=f"also create or switch to the optimization branch {BRANCH}",
    )
    add_format_option(p)
    p.set_defaults(handler=cmd_init)

    r = subparsers.add_parser(
        "record",
        help="append one experiment to results.tsv and HANDOFF.md",
        description=(
            "Append one experiment. Without --status the keep/discard rules decide from the "
            "numbers (a change under 10% needs --confirmed or --noise; a tradeoff needs "
            "--status). Prints the [experiment N] lines and any [plateau] line."
        ),
    )
    add_project_option(r)
    r.add_argument("--target-test", help="what was measured (test id or benchmark target)")
    r.add_argument("--pattern", required=True, choices=SLUGS, metavar="SLUG", help="category slug")
    r.add_argument("--description", "-m", required=True, help="one line: what the change does")
    r.add_argument("--commit", help="commit measured (default: HEAD)")
    r.add_argument("--baseline-latency-ms", type=float, metavar="MS")
    r.add_argument("--optimized-latency-ms", type=float, metavar="MS")
    r.add_argument("--baseline-throughput", type=float, metavar="OPS")
    r.add_argument("--optimized-throughput", type=float, metavar="OPS")
    r.add_argument(
        "--latency-change", type=_percent, metavar="PCT", help="e.g. -63%% (without latencies)"
    )
    r.add_argument(
        "--throughput-change",
        type=_percent,
        metavar="PCT",
        help="e.g. +172%% (without throughputs)",
    )
    r.add_argument("--p99-change", type=_percent, metavar="PCT", help="p99 latency change")
    r.add_argument("--concurrency", type=int, metavar="N")
    r.add_argument("--tests-passed", type=int, metavar="N")
    r.add_argument("--tests-failed", type=int, metavar="N")
    r.add_argument(
        "--status", type=str.upper, choices=("KEEP", "DISCARD"), help="override the rules"
    )
    confirm = r.add_mutually_exclusive_group()
    confirm.add_argument(
        "--confirmed", action="store_true", help="repeated runs confirmed a small gain"
    )
    confirm.add_argument("--noise", action="store_true", help="repeated runs showed noise")
    r.add_argument(
        "--blocking-removed",
        action="store_true",
        help="a blocking call is gone and asyncio debug mode confirms it (a correctness keep)",
    )
    r.add_argument(
        "--from-compare",
        metavar="PATH|latest",
        help="take target, concurrency, numbers and the ruling from a saved compare run",
    )
    r.add_argument(
        "--new-baseline",
        action="store_true",
        help="accept a different concurrency than the locked one (noted in HANDOFF.md)",
    )
    r.add_argument(
        "--files",
        nargs="+",
        metavar="FILE",
        help="commit these files when the result is KEEP (relative to the current folder)",
    )
    r.add_argument(
        "--force",
        action="store_true",
        help="commit the keep on a detached HEAD or during a rebase or bisect",
    )
    r.add_argument("--tag-every", type=int, default=3, metavar="N", help="keeps per milestone tag")
    r.add_argument(
        "--no-pre-commit",
        dest="pre_commit",
        action="store_false",
        help="do not run the project's pre-commit hooks before a keep commit",
    )
    r.add_argument("--lesson", metavar="TEXT", help="also add this line to learnings.md")
    add_format_option(r)
    r.set_defaults(handler=cmd_record)

    s = subparsers.add_parser(
        "status",
        help="plateau, rotation and stuck state from results.tsv",
        description=(
            "Counts, consecutive discards, the irreducible / diminishing-returns / rotation / "
            "stuck flags, the current and next strategy, and advice."
        ),
    )
    add_project_option(s)
    add_format_option(s)
    s.set_defaults(handler=cmd_status)


def cmd_init(args: argparse.Namespace) -> int:
    """``codeflash-lab init [PATH]``."""
    result = init_workspace(args.path, python=args.python)
    branch = ensure_branch(result.workspace.project) if args.branch else None
    if args.format == "json":
        print(result.discovery.progress_line(), file=sys.stderr)
        print_json({**result.to_dict(), "branch": branch})
    else:
        print(result.to_text())
        if branch:
            print(f"on branch {branch}")
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    """``codeflash-lab record ...``."""
    ws = Workspace(args.project).require()
    from codeflash_lab.experiments.flow import current

    if current(ws) is not None:  # an open experiment ends through the one flow
        from codeflash_lab.cli.experiment_cmds import finish_open_experiment

        return finish_open_experiment(args)
    recovered = recover_ledger(ws)
    numbers: dict[str, Any] = {
        "target_test": args.target_test,
        "baseline_latency_ms": args.baseline_latency_ms,
        "optimized_latency_ms": args.optimized_latency_ms,
        "baseline_throughput": args.baseline_throughput,
        "optimized_throughput": args.optimized_throughput,
        "concurrency": args.concurrency,
        "p99_change": args.p99_change,
    }
    confirmed = True if args.confirmed else (False if args.noise else None)
    measured_verdict: str | None = None
    ruling = None
    evidence_ref: str | None = None
    if args.from_compare:
        cmp = load_compare(ws, args.from_compare)
        for key in numbers:
            value = getattr(cmp, key if key != "target_test" else "target")
            if numbers[key] is None and value not in (None, ""):
                numbers[key] = value
        measured_verdict = cmp.verdict or None
        ruling = cmp.ruling
        evidence_ref = _relative_ref(ws, cmp.source)
        if confirmed is None:
            confirmed = cmp.confirmed
    if not numbers["target_test"]:
        raise ValueError("target_test: give --target-test (or --from-compare)")
    result = record_experiment(
        ws,
        pattern=args.pattern,
        description=args.description,
        commit=args.commit,
        tests_passed=args.tests_passed,
        tests_failed=args.tests_failed,
        status=args.status,
        confirmed=confirmed,
        blocking_removed=args.blocking_removed,
        measured_verdict=measured_verdict,
        latency_change=args.latency_change,
        throughput_change=args.throughput_change,
        new_baseline=args.new_baseline,
        files=tuple(os.path.abspath(f) for f in args.files or ()),  # like git: from here
        force=args.force,
        ruling=ruling,
        evidence_ref=evidence_ref,
        tag_every=args.tag_every,
        lesson=args.lesson,
        pre_commit=args.pre_commit,
        **numbers,
    )
    lines = [*recovered, result.to_text()]
    if args.format == "json":
        print("\n".join(lines), file=sys.stderr)
        print_json(result.to_dict())
    else:
        print("\n".join(lines))
    return 0


def _relative_ref(ws: Workspace, source: str) -> str:
    """A compare file named relative to the project when it lies inside it."""
    try:
        return Path(source).resolve().relative_to(ws.project).as_posix()
    except ValueError:
        return source


def cmd_status(args: argparse.Namespace) -> int:
    """``codeflash-lab status [--format json]``."""
    ws = Workspace(args.project).require()
    recovered = recover_ledger(ws)
    digest = scan_ledger(ws.results_tsv)  # one streaming pass, whatever the log's size
    status = digest.status()
    history = workspace_history(ws, digest)
    if args.format == "json":
        print_json(
            {
                **status.to_dict(),
                "history": None if history is None else history.to_dict(),
                "recovered": recovered,
            }
        )
    else:
        for line in recovered:
            print(line)
        print(status.to_text())
        if history is not None and history.keep_commits:
            print(history.to_text())
    return 0
