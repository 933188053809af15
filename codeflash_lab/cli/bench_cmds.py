"""``bench``, ``compare`` and ``sweep``: measurements and A/B verdicts from the command line."""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codeflash_lab.cli._common import add_format_option, add_project_option, print_json
from codeflash_lab.cli.locust_cmds import add_engine_options, engine_from_args

__all__ = ["cmd_bench", "cmd_compare", "cmd_sweep", "register"]

#: Worker pool of the open loop when --concurrency is not given.
OPEN_POOL = 100


def _add_measure_options(p: argparse.ArgumentParser, *, concurrency: bool = True) -> None:
    if concurrency:
        p.add_argument(
            "--concurrency",
            type=int,
            metavar="N",
            help=f"ops in flight (default 1); with --rate, the worker pool (default {OPEN_POOL})",
        )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--ops", type=int, metavar="N", help="measured ops per run (min --min-run)")
    size.add_argument("--duration", type=float, metavar="S", help="measured seconds per run")
    p.add_argument(
        "--rate", type=float, metavar="R", help="open loop: R arrivals per second (latency "
        "from the intended start; --concurrency is the worker pool)",
    )  # fmt: skip
    p.add_argument("--poisson", action="store_true", help="open loop: seeded Poisson arrivals")
    p.add_argument("--seed", type=int, default=0, help="seed of the Poisson schedule")
    p.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    p.add_argument("--warmup", type=float, default=0.5, metavar="S", help="warm-up seconds")
    p.add_argument(
        "--min-run", type=float, default=1.0, metavar="S", help="shortest measured run (1 s)"
    )
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="per-op timeout")
    p.add_argument(
        "--run-timeout", type=float, metavar="S", help="wall-clock limit of one run, warm-up "
        "included (default: 3x the run's length + 60 s; 300 s with --ops)",
    )  # fmt: skip
    p.add_argument("--batch", type=int, default=1, help="calls timed together (sub-µs ops)")
    p.add_argument("--method", default="GET", help="HTTP method for URL targets")
    p.add_argument("--body", help="HTTP request body for URL targets")
    p.add_argument(
        "--header", action="append", default=[], metavar="NAME:VALUE", help="extra HTTP header"
    )
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback URL")
    p.add_argument(
        "--isolation",
        choices=("process", "loop"),
        default="process",
        help="each run in a fresh process (default) or a fresh event loop",
    )
    p.add_argument("--no-save", action="store_true", help="do not save in .codeflash/runs/")
    add_engine_options(p)  # --engine locust, --workers, --master-bind (cli/locust_cmds.py)
    add_project_option(p)
    add_format_option(p)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bench``, ``compare`` and ``sweep`` subcommands."""
    p = subparsers.add_parser(
        "bench",
        help="measure one target (latency percentiles, throughput, stability warnings)",
        description=(
            "Measure TARGET (module:function, path/file.py:function or an "
            "http://127.0.0.1:PORT/path URL) over --runs runs, each a fresh process. "
            "Closed loop at --concurrency by default; --rate R for an open loop."
        ),
    )
    p.add_argument("target", metavar="TARGET")
    p.add_argument("--runs", type=int, default=3, metavar="K", help="runs (default 3)")
    _add_measure_options(p)
    p.set_defaults(handler=cmd_bench)

    c = subparsers.add_parser(
        "compare",
        help="A/B verdict: KEEP, DISCARD, INCONCLUSIVE or TRADEOFF",
        description=(
            "Compare A and B (two targets), or one TARGET at --base and --head (each revision "
            "in its own temporary git worktree), in interleaved rounds (A B, B A, ...) until "
            "the confidence interval of B's gain settles a verdict or the time budget is spent. "
            "KEEP when its lower bound is at least the threshold (10 %), or at least the 3 % "
            "floor (confirmed); DISCARD when it rules out a 3 % gain (noise) or shows a loss "
            "(regression), or when B fails more operations (errors); TRADEOFF when one metric "
            "gains and another loses; INCONCLUSIVE when the budget ran out first, or when the "
            "rounds it still holds could not settle it."
        ),
    )
    c.add_argument("a", metavar="A", help="baseline target (or TARGET with --base/--head)")
    c.add_argument("b", metavar="B", nargs="?", help="candidate target")
    c.add_argument("--base", metavar="REV", help="baseline revision")
    c.add_argument(
        "--head",
        metavar="REV",
        help="candidate revision; WORKTREE measures the working tree with its uncommitted edits",
    )
    c.add_argument(
        "--budget",
        type=float,
        metavar="S",
        help="hard cap in seconds on the whole compare (default: 60, or 30 with --preset quick)",
    )
    c.add_argument(
        "--preset",
        choices=("full", "quick"),
        default="full",
        help="full (60 s budget) or quick (30 s, fewer looks): same rules either way",
    )
    c.add_argument("--runs", type=int, help=argparse.SUPPRESS)  # older scripts: ignored
    c.add_argument("--max-runs", type=int, help=argparse.SUPPRESS)  # older scripts: ignored
    c.add_argument(
        "--threshold", type=float, default=0.10, help="gain that is a KEEP outright (0.10)"
    )
    c.add_argument(
        "--fail-on",
        choices=("regression",),
        help="exit 1 on a regression the rounds support (noise-checked, for CI)",
    )
    _add_measure_options(c)
    c.set_defaults(handler=cmd_compare)

    s = subparsers.add_parser(
        "sweep",
        help="throughput and p50/p99 per concurrency level, the knee, Little's law",
        description=(
            "Measure TARGET at each --concurrency level, find the knee, check Little's law, "
            "and probe N sequential vs N gathered calls (a ratio near 1 means the target "
            "blocks the event loop)."
        ),
    )
    s.add_argument("target", metavar="TARGET")
    s.add_argument(
        "--concurrency",
        default="1,2,4,8,16,32,64",
        metavar="N,N,...",
        help="levels (default 1,2,4,8,16,32,64)",
    )
    s.add_argument("--runs", type=int, default=1, help="runs per level (default 1)")
    s.add_argument("--no-probe", action="store_true", help="skip the concurrency-ratio probe")
    _add_measure_options(s, concurrency=False)
    s.set_defaults(handler=cmd_sweep)


def _config(args: argparse.Namespace, concurrency: int | None = None) -> Any:
    from codeflash_lab.bench import BenchConfig

    headers = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"--header: expected NAME:VALUE, got {item!r}")
        headers.append((name.strip(), value.strip()))
    if concurrency is None:
        concurrency = args.concurrency
    if concurrency is None:
        concurrency = OPEN_POOL if args.rate is not None else 1
    return BenchConfig(
        concurrency=concurrency,
        ops=args.ops,
        duration_s=args.duration,
        min_run_s=args.min_run,
        warmup_s=args.warmup,
        rate=args.rate,
        arrivals="poisson" if args.poisson else "constant",
        seed=args.seed,
        loop=args.loop,
        timeout_s=args.timeout,
        run_timeout_s=args.run_timeout,
        batch=args.batch,
        method=args.method,
        body=args.body,
        headers=tuple(headers),
        engine=args.engine,
        workers=args.workers or 1,
    )


def _common(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "project": args.project,
        "allow_remote": args.allow_remote,
        "save": not args.no_save,
        "progress": False if args.format == "json" else None,
        "isolation": args.isolation,
    }


def _interruptible(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """Run ``handler`` with a SIGINT handler that raises, so one Ctrl-C stops a run.

    A process started with SIGINT ignored (a background job), or a target that swaps
    the handler, would otherwise swallow Ctrl-C while runs are in progress.
    """

    @functools.wraps(handler)
    def wrapped(args: argparse.Namespace) -> int:
        if threading.current_thread() is not threading.main_thread():
            return handler(args)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return handler(args)
        finally:
            signal.signal(signal.SIGINT, previous)

    return wrapped


def _report_saved(path: str | None) -> None:
    if path:
        print(f"saved {path}", file=sys.stderr)


def _report_failure(failure: str, saved_to: str | None) -> int:
    """A later run failed: the finished runs are shown above; say where they were saved."""
    where = f" and saved in {Path(saved_to).parent}" if saved_to else ""
    print(f"codeflash-lab: error: {failure} (shown above{where})", file=sys.stderr)
    return 2


def _report_kept(exc: Any, args: argparse.Namespace) -> int:
    """A compare stopped before one round of A and B: show and locate the finished runs."""
    if args.format == "json":
        print_json(
            {"failure": str(exc), "runs": [r.to_dict() for r in exc.runs], "saved": exc.saved}
        )
    else:
        for r in exc.runs:
            print(
                f"  run {r.index} ({r.arm}): {r.throughput_ops_s:,.1f} ops/s  "
                f"p50 {r.latency_ms.get('p50', float('nan')):.4g} ms  "
                f"p99 {r.latency_ms.get('p99', float('nan')):.4g} ms  errors {r.errors}"
            )
    return _report_failure(str(exc), exc.saved[0] if exc.saved else None)


@_interruptible
def cmd_bench(args: argparse.Namespace) -> int:
    """Measure one target; exit 2 when not a single op succeeded."""
    from codeflash_lab.bench import bench

    config = _config(args)
    with engine_from_args(args):
        result = bench(args.target, config=config, runs=args.runs, **_common(args))
    if args.format == "json":
        print_json(result.to_dict())
    else:
        print(result.format_text())
    _report_saved(result.saved_to)
    if result.interrupted:
        print("codeflash-lab: interrupted; the finished runs are shown", file=sys.stderr)
        return 130
    if result.failure:
        return _report_failure(result.failure, result.saved_to)
    if result.runs and not any(r.ok_ops for r in result.runs):
        first = next((r.first_error for r in result.runs if r.first_error), "unknown")
        print(f"codeflash-lab: error: no operation succeeded ({first})", file=sys.stderr)
        return 2
    return 0


@_interruptible
def cmd_compare(args: argparse.Namespace) -> int:
    """A/B compare; exit 1 on a regression with ``--fail-on regression``, 2 when a run failed."""
    from codeflash_lab.bench.session import RunFailed

    try:
        return _compare(args)
    except RunFailed as exc:  # before one round of A and B: the finished runs are on it
        return _report_kept(exc, args)


def _compare(args: argparse.Namespace) -> int:
    from codeflash_lab.bench import compare, compare_revisions

    options: dict[str, Any] = {
        "config": _config(args),
        "budget_s": args.budget,
        "preset": args.preset,
        "threshold": args.threshold,
        **_common(args),
    }
    if args.base or args.head:
        if not (args.base and args.head) or args.b is not None:
            raise ValueError("--base/--head: give one TARGET with both --base REV and --head REV")
        options.pop("isolation")
        options.pop("allow_remote")
        import warnings

        from codeflash_lab.bench.revisions import UncommittedEditsWarning, ignored_edits_warning

        ignored = ignored_edits_warning(args.project, (args.base, args.head))
        if ignored:
            print(ignored, file=sys.stderr)
        with engine_from_args(args), warnings.catch_warnings():
            warnings.simplefilter("ignore", UncommittedEditsWarning)  # printed above and below
            result = compare_revisions(args.a, base=args.base, head=args.head, **options)
        if ignored:
            print(ignored, file=sys.stderr)  # again, below the verdict
    else:
        if args.b is None:
            raise ValueError("B: give two targets, or one TARGET with --base and --head")
        with engine_from_args(args):
            result = compare(args.a, args.b, **options)
    if args.format == "json":
        print_json(result.to_dict())
    else:
        print(result.format_text())
    _report_saved(result.saved_to)
    if result.interrupted:
        print("codeflash-lab: interrupted; verdict from the finished rounds", file=sys.stderr)
        return 130
    if result.failure:
        return _report_failure(result.failure, result.saved_to)
    if args.fail_on == "regression" and result.regression:
        return 1
    return 0


@_interruptible
def cmd_sweep(args: argparse.Namespace) -> int:
    """Scaling curve over concurrency levels."""
    from codeflash_lab.bench import sweep

    try:
        levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    except ValueError:
        raise ValueError(
            f"--concurrency: expected comma-separated integers, got {args.concurrency!r}"
        ) from None
    config = _config(args, concurrency=1)
    with engine_from_args(args):
        result = sweep(
            args.target,
            levels=levels,
            config=config,
            runs=args.runs,
            probe=not args.no_probe,
            **_common(args),
        )
    if args.format == "json":
        print_json(result.to_dict())
    else:
        print(result.format_text())
    _report_saved(result.saved_to)
    if result.interrupted:
        print("codeflash-lab: interrupted; the finished levels are shown", file=sys.stderr)
        return 130
    if result.failure:
        return _report_failure(result.failure, result.saved_to)
    return 0
