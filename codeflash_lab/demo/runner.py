"""The guided demo, headless: the whole workflow on the bundled service, end to end.

discovery -> guard -> baseline (debug mode, yappi, scan, locked methodology) ->
experiments (one fix each, measured A/B on live servers, decided by the rules)
-> plateau/status -> pre-submit review -> HTML report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from codeflash_lab.demo.baseline import (
    discover_project,
    fix_failing_guard,
    measure_baseline,
    start_branch,
    sweep_checkout,
)
from codeflash_lab.demo.catalog import EXERCISES, Exercise
from codeflash_lab.demo.context import DemoContext
from codeflash_lab.demo.experiment import run_experiment
from codeflash_lab.demo.finish import finish_run
from codeflash_lab.demo.project import create_project
from codeflash_lab.demo.result import DemoResult, ExperimentOutcome
from codeflash_lab.demo.servers import DemoServers, check_port_free
from codeflash_lab.demo.settings import demo_settings
from codeflash_lab.experiments import summary_line, workspace_status

__all__ = ["DEFAULT_WORKDIR", "plan_experiments", "run_demo"]

#: Where ``make demo`` puts its scratch repository (git-ignored).
DEFAULT_WORKDIR = Path("demo-workspace")


def _print_line(line: str) -> None:
    print(line, flush=True)


def _experiment_loop(ctx: DemoContext, plan: list[Exercise]) -> list[ExperimentOutcome]:
    outcomes: list[ExperimentOutcome] = []
    for i, item in enumerate(plan):
        outcomes.append(run_experiment(ctx, len(outcomes) + 1, item))
        status = workspace_status(ctx.workspace)
        if status.stop or status.diminishing_returns or status.irreducible:
            left = [e.name for e in plan[i + 1 :]]
            if left:
                ctx.say(f"[plateau] Stopping the loop; not tried: {', '.join(left)}")
            break
    return outcomes


def run_demo(
    workdir: str | os.PathLike[str] = DEFAULT_WORKDIR,
    *,
    quick: bool = False,
    port: int = 0,
    upstream_port: int = 0,
    say: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the whole guided workflow on a fresh copy of the demo service.

    Copies the service into a scratch git repository in ``workdir`` (replacing an
    earlier demo folder there), starts the fake upstream and the service on
    127.0.0.1, and walks the workflow, printing its progress lines. Every server
    is stopped at the end, on error and on Ctrl-C.

    Args:
        workdir: the scratch folder (a folder not made by the demo is refused).
        quick: tiny measurements (for tests and a first look).
        port: port of the baseline service (0 = any free port).
        upstream_port: port of the fake upstream service (0 = any free port).
        say: where progress lines go (default: printed to stdout).

    Returns:
        The :class:`DemoResult` (experiments, ledger state, report path).

    Raises:
        DemoError: a port is in use, git has no identity, the workdir is not the
            demo's, or a server does not start.
        KeyboardInterrupt: Ctrl-C; the servers are stopped first.
    """
    started = time.monotonic()
    settings = demo_settings(quick)
    if port and port == upstream_port:
        raise ValueError(f"port, upstream_port: the two servers need different ports ({port})")
    check_port_free(port)
    check_port_free(upstream_port)
    demo = create_project(workdir)
    ctx = DemoContext(demo, DemoServers(demo.logs), settings, say or _print_line)
    ctx.say(f"[demo] Scratch repository: {demo.project} ({settings})")
    with ctx.servers:
        discover_project(ctx)
        fix_failing_guard(ctx)
        start_branch(ctx)
        ctx.upstream = ctx.servers.start_upstream(
            demo.project, latency_ms=settings.latency_ms, port=upstream_port
        )
        ctx.current = ctx.start_service("service-0", port=port)
        ctx.say(f"[demo] Upstream stub: {ctx.upstream.url}; service: {ctx.current.url}")
        measure_baseline(ctx)
        ctx.restart_current("service-sweep-before")
        sweep_checkout(ctx, "before")
        plan = plan_experiments(ctx)
        outcomes = _experiment_loop(ctx, plan)
        ctx.restart_current("service-sweep-after")
        sweep_checkout(ctx, "after")
        status = workspace_status(ctx.workspace)
        ctx.say(summary_line(status))
    report = finish_run(ctx)
    return DemoResult(
        workdir=demo.workdir,
        project=demo.project,
        settings=settings.to_dict(),
        experiments=tuple(outcomes),
        status_text=status.to_text(),
        report=report,
        elapsed_s=time.monotonic() - started,
        lines=tuple(ctx.lines),
    )


def _already_fixed(ctx: DemoContext, item: Exercise) -> bool:
    path = ctx.demo.project / item.file
    return path.read_bytes() == item.fix_path.read_bytes()


def plan_experiments(ctx: DemoContext) -> list[Exercise]:
    """The experiments to run, highest evidence first.

    Antipatterns whose file asyncio debug mode caught holding the event loop at
    baseline come first (they stall every request, not just their own); the
    rest follow in the catalogue's order (HIGH impact before MEDIUM, the decoy
    and the robustness fixes last). Fixes already in place are skipped.
    """
    wanted = ctx.settings.exercises
    items = [
        e for e in EXERCISES if not _already_fixed(ctx, e) and (wanted is None or e.name in wanted)
    ]
    seen = ctx.evidence_files
    ordered = sorted(items, key=lambda e: (e.file not in seen or e.decoy, EXERCISES.index(e)))
    first = [e.name for e in ordered if e.file in seen and not e.decoy]
    if first:
        ctx.say(
            f"[baseline] Debug mode saw the loop blocked there: starting with {', '.join(first)}"
        )
    return ordered
