"""``codeflash-lab scan``: static findings in text, JSON or SARIF; exit 0/1/2."""

from __future__ import annotations

import argparse
import sys

from codeflash_lab.cli._common import add_format_option, add_project_option

__all__ = ["cmd_scan", "main", "register"]


def _codes(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


_DESCRIPTION = (
    "Scan Python files for asyncio antipatterns (blocking calls, sequential awaits, "
    "awaits in loops, unbounded gathers, dangling tasks, ...). Exit 0: nothing found; "
    "1: findings; 2: a file could not be scanned or bad options."
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scan`` subcommand."""
    p = subparsers.add_parser(
        "scan", help="find async antipatterns statically", description=_DESCRIPTION
    )
    _add_arguments(p)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    add_format_option(p, ("text", "json", "sarif"))
    p.add_argument(
        "--select", type=_codes, default=None, metavar="CODES",
        help="comma-separated codes, prefixes, rule names or categories to run",
    )  # fmt: skip
    p.add_argument(
        "--ignore", type=_codes, default=None, metavar="CODES",
        help="comma-separated codes, prefixes, rule names or categories to skip",
    )  # fmt: skip
    p.add_argument(
        "--target-version", default=None, metavar="X.Y",
        help="Python version for fix templates (default: .codeflash/setup.md or requires-python)",
    )  # fmt: skip
    p.add_argument(
        "--exclude", type=_codes, default=[], metavar="NAMES",
        help="comma-separated file or folder names to skip (added to .git, .venv, ...)",
    )  # fmt: skip
    p.add_argument(
        "--include-tests", action="store_true",
        help="also show findings in test files found in folders (tests/, test_*.py, conftest.py, "
        "the project's testpaths/python_files); files named on the command line always show",
    )  # fmt: skip
    p.add_argument(
        "--confidence", choices=("high", "medium", "low"), default="medium",
        help="least confidence shown (default: medium, i.e. high and medium)",
    )  # fmt: skip
    p.add_argument("--no-cache", action="store_true", help="do not read or write the scan cache")
    p.add_argument(
        "--no-save-run", action="store_true",
        help="do not save the findings to .codeflash/runs/ (saved when the project has one)",
    )  # fmt: skip
    add_project_option(p)
    p.set_defaults(handler=cmd_scan)


def cmd_scan(args: argparse.Namespace) -> int:
    """Run the scan and print it; the exit code says whether anything was found."""
    from codeflash_lab.scan import format_json, format_sarif, format_text, scan_paths
    from codeflash_lab.scan.output import hidden_lines

    result = scan_paths(
        args.paths,
        select=args.select,
        ignore=args.ignore,
        target_version=args.target_version,
        cache=not args.no_cache,
        exclude=args.exclude,
        include_tests=args.include_tests,
        min_confidence=args.confidence,
    )
    if args.format == "json":
        sys.stdout.write(format_json(result) + "\n")
        for line in hidden_lines(result):
            print(line, file=sys.stderr)
    elif args.format == "sarif":
        sys.stdout.write(format_sarif(result) + "\n")
    else:
        sys.stdout.write(format_text(result) + "\n")
    if not args.no_save_run and (args.project / ".codeflash").is_dir():
        from codeflash_lab.workspace import Workspace, save_run

        path = save_run(Workspace(args.project), "scan", result.to_dict())
        print(f"saved {path}", file=sys.stderr)
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    """``python -m codeflash_lab.cli.scan_cmds PATH...``: the scan command alone.

    The same options and exit codes as ``codeflash-lab scan``, without loading the other
    command groups, so editor and pre-commit integrations start faster.
    """
    from codeflash_lab.errors import CodeflashLabError

    parser = argparse.ArgumentParser(prog="codeflash-lab scan", description=_DESCRIPTION)
    _add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_scan(args)
    except (CodeflashLabError, ValueError) as exc:
        print(f"codeflash-lab: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
