"""``review`` and ``prs``: the pre-submit review of the diff, and PR branches from the keeps."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codeflash_lab.cli._common import add_format_option, add_project_option, print_json

__all__ = ["cmd_prs", "cmd_review", "register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``review`` and ``prs`` subcommands."""
    p = subparsers.add_parser(
        "review",
        help="pre-submit review of the whole optimization diff",
        description=(
            "Review the diff from BASE (default: where codeflash/optimize left main) to HEAD: "
            "asyncio.run() in async paths, sync/async twins, resource ownership, swallowed "
            "errors, results.tsv claims vs saved runs, behaviour changes, test coverage of the "
            "changed async code, dead settings, and the scanner on the changed lines. "
            "Exit 1 when an error-level finding is open."
        ),
    )
    p.add_argument("--base", metavar="REV", help="base revision (default: the merge-base)")
    p.add_argument("--head", metavar="REV", default="HEAD", help="head revision (default HEAD)")
    p.add_argument(
        "--no-tests",
        action="store_true",
        help="do not run the project's test command under coverage",
    )
    p.add_argument(
        "--test-timeout",
        type=float,
        default=300.0,
        metavar="S",
        help="time limit for the project's test command (default 300 s)",
    )
    p.add_argument(
        "--no-save",
        action="store_true",
        help="do not save the review in .codeflash/runs/ and HANDOFF.md",
    )
    add_project_option(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_review)

    q = subparsers.add_parser(
        "prs",
        help="group the keeps into PRs and build local async/<slug> branches",
        description=(
            "Group KEEP commits of codeflash/optimize into independent PRs (shared file -> one "
            "PR, disjoint files -> separate PRs), cherry-pick each group onto BASE as a local "
            "branch async/<slug>, and write a PR body, a chart and a benchmark file per PR. "
            "Nothing is pushed."
        ),
    )
    q.add_argument("--base", metavar="REV", help="base revision (default: the merge-base)")
    q.add_argument("--out", metavar="DIR", type=Path, help="output folder (default .codeflash/prs)")
    add_project_option(q)
    add_format_option(q)
    q.set_defaults(handler=cmd_prs)


def cmd_review(args: argparse.Namespace) -> int:
    """Run the review; print findings; exit 1 when an error-level finding is open."""
    from codeflash_lab.experiments.review import record_review, review

    result = review(
        args.project,
        base=args.base,
        head=args.head,
        run_tests=not args.no_tests,
        test_timeout_s=args.test_timeout,
    )
    if not args.no_save and (Path(args.project) / ".codeflash").is_dir():
        saved = record_review(result, args.project)
        print(f"[review] saved {saved}", file=sys.stderr)
    if args.format == "json":
        print_json([f.to_dict() for f in result.findings])
    else:
        print(result.to_text())
    return result.exit_code


def cmd_prs(args: argparse.Namespace) -> int:
    """Prepare the PR branches and files; print where they are."""
    from codeflash_lab.experiments.review import prepare_prs

    prepared = prepare_prs(args.project, base=args.base, out=args.out)
    if args.format == "json":
        print_json(prepared.to_dict())
    else:
        print(prepared.to_text())
    return 0
