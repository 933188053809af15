"""CLI: ``experiment start|status|guard|finish``: one experiment, started clean, ended once.

::

    codeflash-lab experiment start src/app/handler.py:handle --pattern blocking-call \\
        -m "move the file read to a thread"
    # edit the code
    codeflash-lab compare src/app/handler.py:handle --base HEAD --head WORKTREE
    codeflash-lab experiment finish --from-compare latest    # or: record --from-compare latest

``finish`` runs the project's tests (the guard), decides, writes the row once, and
commits the change (KEEP) or saves it as ``.codeflash/runs/discard-N.patch`` and
reverts it (DISCARD). See :mod:`codeflash_lab.experiments.flow` for the files each
step changes.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from codeflash_lab.categories import SLUGS
from codeflash_lab.cli._common import add_format_option, add_project_option, print_json

__all__ = ["cmd_experiment", "finish_open_experiment", "register"]


def _add_finish_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from-compare",
        metavar="PATH|latest",
        help="decide from a saved compare run instead of measuring now",
    )
    p.add_argument(
        "--status", type=str.upper, choices=("KEEP", "DISCARD"), help="a person decides (asserted)"
    )
    p.add_argument(
        "--blocking-removed",
        metavar="EVIDENCE",
        help="debug mode no longer sees the blocking call (name the debug run)",
    )
    p.add_argument("--no-guard", action="store_true", help="do not run the project's tests")
    p.add_argument("--lesson", metavar="TEXT", help="also add this line to learnings.md")
    p.add_argument(
        "--no-pre-commit",
        dest="pre_commit",
        action="store_false",
        help="do not run the project's pre-commit hooks before a keep commit",
    )


def register(subparsers: Any) -> None:
    """Add ``experiment`` and its actions to the top-level parser."""
    p = subparsers.add_parser(
        "experiment",
        help="one experiment: start on a clean tree, finish as a commit (KEEP) or a revert",
        description=(
            "start: open an experiment on a clean tree. status: the open experiment and the "
            "files it changed. guard: run the project's tests on the change. finish: guard, "
            "compare (or --from-compare), decide, write the row, then commit the change "
            "(KEEP) or save it as .codeflash/runs/discard-N.patch and revert it (DISCARD)."
        ),
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = actions.add_parser("start", help="open an experiment on a clean tree")
    s.add_argument("target", metavar="TARGET", help="module:function or file.py:function")
    s.add_argument("--pattern", required=True, choices=SLUGS, metavar="SLUG", help="category")
    s.add_argument("--description", "-m", required=True, help="one line: what the change does")
    s.add_argument("--concurrency", type=int, metavar="N", help="concurrency to measure at")
    st = actions.add_parser("status", help="the open experiment and the files it changed")
    g = actions.add_parser("guard", help="run the project's tests on the change")
    f = actions.add_parser("finish", help="decide, record, then commit or revert")
    _add_finish_options(f)
    a = actions.add_parser(
        "abandon", help="close without a row: save the change as a patch, put the files back"
    )
    for sub in (s, st, g, f, a):
        add_project_option(sub)
        add_format_option(sub)
    p.set_defaults(handler=cmd_experiment)


def _emit(args: argparse.Namespace, doc: dict[str, Any], lines: list[str]) -> None:
    if args.format == "json":
        for line in lines:
            print(line, file=sys.stderr)
        print_json(doc)
    else:
        print("\n".join(lines))


def finish_open_experiment(args: argparse.Namespace) -> int:
    """Finish the open experiment from parsed options (``experiment finish``, and ``record``
    when an experiment is open)."""
    from codeflash_lab.experiments import flow

    outcome = flow.finish(
        args.project,
        compare=getattr(args, "from_compare", None),
        run_guard=not getattr(args, "no_guard", False),
        blocking_removed=getattr(args, "blocking_removed", None) or None,
        status=getattr(args, "status", None),
        lesson=getattr(args, "lesson", None),
        pre_commit=getattr(args, "pre_commit", True),
    )
    _emit(args, outcome.to_dict(), list(outcome.lines))
    return 0


def cmd_experiment(args: argparse.Namespace) -> int:
    """``codeflash-lab experiment ACTION``."""
    from codeflash_lab.experiments import flow

    if args.action == "start":
        s = flow.start(
            args.project,
            target=args.target,
            pattern=args.pattern,
            description=args.description,
            concurrency=args.concurrency,
        )
        lines = [
            f"[experiment] started on {s.head_before[:12]}: {s.description} ({s.target})",
            "next: change the code, then 'codeflash-lab compare "
            f"{s.target} --base HEAD --head WORKTREE' and 'codeflash-lab experiment finish "
            "--from-compare latest'",
        ]
        _emit(args, s.to_dict(), lines)
        return 0
    if args.action == "status":
        s = flow.current(args.project)
        if s is None:
            _emit(args, {"open": False}, ["no open experiment"])
            return 0
        files = flow.changed_files(s)
        lines = [
            f"[experiment] open since {s.started[:19]}: {s.description} ({s.target})",
            f"changed: {', '.join(files) if files else 'nothing yet'}",
        ]
        if s.guard is not None:
            lines.append(f"[guard] {s.guard.summary()}")
        if s.compare_ref:
            lines.append(f"compare: {s.compare_ref}")
        _emit(args, {"open": True, **s.to_dict(), "changed": files}, lines)
        return 0
    if args.action == "abandon":
        patch = flow.abandon(args.project)
        if patch is None:
            lines = ["[experiment] abandoned; nothing had changed"]
        else:
            rel = os.path.relpath(patch, args.project)
            lines = [f"[experiment] abandoned; the change is saved in {rel}; re-apply it with: "
                     f"git apply {rel}"]  # fmt: skip
        _emit(args, {"patch": None if patch is None else str(patch)}, lines)
        return 0
    if args.action == "guard":
        run = flow.guard(args.project)
        _emit(args, run.to_dict(), [f"[guard] {run.summary()}"])
        return 0 if run.ok else 1
    return finish_open_experiment(args)
