"""The demo's first steps: discovery, a passing guard, the optimization branch, the baseline.

The baseline gathers the runtime evidence (asyncio debug mode, a yappi wall-clock
profile), the static scan, locks the measurement methodology and records the
two stories' starting points: /process latency and /checkout's scaling curve.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from codeflash_lab._git import run_git
from codeflash_lab.demo.catalog import CHECKOUT, EXERCISES, PROCESS, Exercise
from codeflash_lab.demo.context import DemoContext
from codeflash_lab.demo.evidence import (
    confirm_findings,
    debug_baseline,
    profile_scenario,
    scan_baseline,
)
from codeflash_lab.demo.experiment import METHOD_TARGET, endpoint_label
from codeflash_lab.demo.project import apply_fix, revert_fix
from codeflash_lab.errors import DemoError
from codeflash_lab.experiments import ensure_branch
from codeflash_lab.experiments.guard import run_guard
from codeflash_lab.workspace import init_workspace, lock_methodology, update_section

__all__ = ["discover_project", "fix_failing_guard", "measure_baseline", "sweep_checkout"]


def discover_project(ctx: DemoContext) -> None:
    """``init``: discovery and the ``.codeflash/`` files."""
    result = init_workspace(ctx.demo.project)
    ctx.say(result.discovery.progress_line())


def _failing_exercise(failures: tuple[str, ...]) -> Exercise | None:
    # The only planted bug a test catches is the cache on an async function.
    if any("quote" in f for f in failures):
        return next(e for e in EXERCISES if e.pattern == "cache-on-async")
    return None


def fix_failing_guard(ctx: DemoContext) -> Exercise | None:
    """Run the guard (the project's test command, read from junit XML); when a test
    fails, fix that correctness bug on ``main`` first.

    Speed work only starts from a passing guard: otherwise every experiment would
    be discarded for the failing test, whatever it measured.

    Returns:
        The exercise fixed this way, or ``None`` when the guard passed at once.

    Raises:
        DemoError: the guard fails for a reason the demo has no fix for.
    """
    tests = run_guard(ctx.demo.project)
    ctx.say(f"[baseline] Guard ({tests.summary()})")
    if tests.ok:
        return None
    if not tests.ran:
        raise DemoError(f"the demo's tests did not run: {tests.source}")
    item = _failing_exercise(tests.failures)
    if item is None:
        raise DemoError(f"the demo's tests fail before any change: {tests.summary()}")
    ctx.say(f"[baseline] A failing test is a correctness bug: fixing it first ({item.pattern})")
    try:
        files = apply_fix(ctx.demo.project, item)
        after = run_guard(ctx.demo.project, files=[ctx.demo.project / f for f in files])
        if not after.ok:
            raise DemoError(f"the {item.name} fix did not make the tests pass: {after.summary()}")
        run_git(["add", "--", *files], ctx.demo.project)
        run_git(["commit", "-q", "-m", f"fix: {item.summary}", "--", *files], ctx.demo.project)
    except BaseException:
        revert_fix(ctx.demo.project, item)
        raise
    sha = run_git(["rev-parse", "--short=12", "HEAD"], ctx.demo.project).strip()
    ctx.say(f"[baseline] Guard ({after.summary()}); committed {sha} on main (fix: {item.summary})")
    update_section(
        ctx.workspace,
        "Correctness fixes before the baseline",
        f"- {sha}: {item.summary} ({item.pattern}); the test "
        f"`{', '.join(tests.failures)}` failed before it.",
    )
    return item


def start_branch(ctx: DemoContext) -> str:
    """Switch the scratch repository to the optimization branch."""
    branch = ensure_branch(ctx.demo.project)
    ctx.say(f"[baseline] Optimization branch: {branch}")
    return branch


def measure_baseline(ctx: DemoContext) -> dict[str, Any]:
    """Evidence (debug mode, yappi, scan), the methodology lock and the baseline numbers.

    Returns:
        ``{"process": BenchResult.to_dict(), "findings": n}`` for the demo's summary.
    """
    from codeflash_lab.bench import Measurable, bench
    from codeflash_lab.bench.session import methodology_for

    assert ctx.current is not None
    ctx.blocking_sites = debug_baseline(ctx)
    profile_scenario(ctx)
    findings = scan_baseline(ctx)
    sites = {site.split(":", 1)[0] for site in ctx.blocking_sites}
    ctx.evidence_files = sites | confirm_findings(ctx)
    config = ctx.bench_config()
    label = METHOD_TARGET
    target = dataclasses.replace(Measurable.of(ctx.current.url + PROCESS), label=label)
    locked, _ = lock_methodology(ctx.workspace, methodology_for(METHOD_TARGET, config))
    s = ctx.settings
    ctx.say(
        f"[baseline] Methodology locked ({locked.id}): closed loop, concurrency="
        f"{s.concurrency}, {s.runs} runs x {s.run_s:g} s per side, fresh {s.isolation} per run"
    )
    result = bench(
        target,
        config=config,
        runs=s.runs,
        isolation=s.isolation,
        project=ctx.demo.project,
        progress=False,
    )
    doc = result.to_dict()
    p50 = doc["latency_ms"]["p50"]
    calls = 7  # 3 context lookups + 4 priced lines, one after another
    ctx.say(
        f"[baseline] {label}: p50 {p50:.0f}ms at concurrency={s.concurrency} "
        f"({calls} upstream calls of {s.latency_ms:g}ms, one after another)"
    )
    update_section(
        ctx.workspace,
        "Baseline",
        f"- {label}: p50 {p50:.1f} ms, {doc['throughput_ops_s']:.1f} req/s at concurrency "
        f"{s.concurrency} (upstream latency {s.latency_ms:g} ms)",
    )
    return {"process": doc, "findings": findings}


def sweep_checkout(ctx: DemoContext, when: str) -> dict[str, Any]:
    """The /checkout scaling curve on the current server (saved as a ``sweep`` run).

    Args:
        ctx: the running demo.
        when: ``"before"`` or ``"after"`` (part of the saved target's name).

    Returns:
        The sweep's ``to_dict()``.
    """
    from codeflash_lab.bench import Measurable, sweep

    assert ctx.current is not None
    label = f"{endpoint_label(CHECKOUT)} ({when})"
    target = dataclasses.replace(Measurable.of(ctx.current.url + CHECKOUT), label=label)
    result = sweep(
        target,
        levels=ctx.settings.sweep,
        config=ctx.bench_config(),
        runs=1,
        probe=False,
        isolation=ctx.settings.isolation,
        project=ctx.demo.project,
        progress=False,
    )
    doc = result.to_dict()
    curve = ", ".join(
        f"{lv['concurrency']}: {lv['throughput_ops_s']:.0f}" for lv in doc.get("levels", [])
    )
    tag = "baseline" if when == "before" else "final"
    ctx.say(f"[{tag}] {label} throughput by concurrency (req/s): {curve}")
    return doc
