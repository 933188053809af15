"""One experiment of the guided demo: apply a fix, test, measure A/B, decide, record.

Every step goes through the one experiment flow (:mod:`codeflash_lab.experiments.flow`),
as the CLI, the API and the notebooks do. The verdict comes from the harness's numbers
and the flow's rules; nothing here knows in advance whether a fix will pay.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.demo.catalog import PROCESS, Exercise
from codeflash_lab.demo.context import DemoContext
from codeflash_lab.demo.evidence import debug_scenarios
from codeflash_lab.demo.project import revert_fix
from codeflash_lab.demo.result import ExperimentOutcome
from codeflash_lab.errors import DemoError
from codeflash_lab.experiments import DISCARD, flow, target_line
from codeflash_lab.experiments.progress import benchmarking_line, implementing_line
from codeflash_lab.workspace import save_run

if TYPE_CHECKING:
    from codeflash_lab.bench import CompareResult

__all__ = [
    "METHOD_TARGET",
    "endpoint_label",
    "measure_pair",
    "run_experiment",
    "trusted_p99_change",
]


def endpoint_label(endpoint: str) -> str:
    """The stable name of a measured request, e.g. ``GET /process`` (ports change per run)."""
    return "GET " + endpoint.split("?", 1)[0]


#: The target the methodology is locked for: the latency stories' request. Every other
#: endpoint is its own target with its own methodology id (URLs are not stable names:
#: every server gets a fresh port, so benchmarks are named by their request).
METHOD_TARGET = endpoint_label(PROCESS)


def measure_pair(ctx: DemoContext, base_url: str, head_url: str, endpoint: str) -> CompareResult:
    """Compare ``endpoint`` on two running servers (A = before, B = after), interleaved
    rounds until a verdict or the settings' compare preset's budget is spent.

    The result is saved in ``.codeflash/runs/`` (kind ``compare``).
    """
    from codeflash_lab.bench import Measurable, compare

    label = endpoint_label(endpoint)
    # Arm A is named by its request: the harness derives the methodology id from that
    # name, so each endpoint is its own series and /process runs match the lock.
    a = dataclasses.replace(Measurable.of(base_url + endpoint), label=label)
    b = dataclasses.replace(Measurable.of(head_url + endpoint), label=f"{label} (after)")
    s = ctx.settings
    return compare(
        a,
        b,
        config=ctx.bench_config(),
        preset=s.preset,
        labels=("before", "after"),
        project=ctx.demo.project,
        target_name=label,
        isolation=s.isolation,
        progress=False,
    )


def _numbers(result: CompareResult) -> dict[str, Any]:
    doc = result.to_dict()
    a, b = doc["a"], doc["b"]
    return {
        "baseline_latency_ms": a["latency_ms"].get("p50"),
        "optimized_latency_ms": b["latency_ms"].get("p50"),
        "baseline_throughput": a.get("throughput_ops_s"),
        "optimized_throughput": b.get("throughput_ops_s"),
        "p99_change": trusted_p99_change(doc),
    }


def trusted_p99_change(compare_doc: dict[str, Any]) -> float | None:
    """The p99 change of a compare, or ``None`` when the harness calls it low-confidence.

    A p99 from a few hundred operations per run moves by chance; the harness does
    not decide on it, and neither do the rules here.
    """
    p99 = (compare_doc.get("criteria") or {}).get("p99") or {}
    if p99.get("low_confidence"):
        return None
    value = p99.get("change_pct")
    return None if value is None else float(value)


def _blocking_removed(ctx: DemoContext, number: int, item: Exercise) -> str | None:
    """For a blocking-call fix: the saved debug run showing debug mode saw the loop blocked
    at the finding and now does not (``None`` when that is not shown)."""
    from codeflash_lab.profiling import blocking_call_removed

    if item.pattern != "blocking-call" or ctx.debug_before is None:
        return None
    path = ctx.demo.project / item.file
    lines = [f.line for f in ctx.findings if f.category == item.pattern and Path(f.path) == path]
    if not lines:
        return None
    after = debug_scenarios(ctx)
    saved = save_run(ctx.workspace, "debug", after.to_dict())
    evidence = blocking_call_removed(ctx.debug_before, after, path=str(path), line=lines[0])
    ctx.say(f"[experiment {number}] asyncio debug: {evidence.evidence}")
    return str(saved) if evidence else None


def _abandon(ctx: DemoContext, item: Exercise) -> None:
    """Close an experiment cut short: the flow saves and reverts its change."""
    try:
        if flow.current(ctx.demo.project) is not None:
            flow.abandon(ctx.demo.project)
    finally:
        revert_fix(ctx.demo.project, item)


def run_experiment(ctx: DemoContext, number: int, item: Exercise) -> ExperimentOutcome:
    """Apply ``item``'s fix as experiment ``number`` and keep it only if the rules say so.

    The experiment goes through the one flow (:mod:`codeflash_lab.experiments.flow`):
    start on a clean tree, apply the fix, guard (the project's tests), measure the two
    servers, decide, record. On KEEP the fix is committed on the optimization branch and
    the candidate server becomes the new baseline; on DISCARD the flow saves the change as
    ``.codeflash/runs/discard-N.patch`` and restores the file, and the candidate is stopped.

    Returns:
        What happened, for the demo's result.
    """
    ctx.say(target_line(number, item.title, item.pattern))
    base = ctx.restart_current(f"service-{number}-before")
    label = endpoint_label(item.endpoint)
    numbers: dict[str, Any] = {}
    verdict = ""
    candidate = None
    said: set[str] = set()  # lines already printed
    try:
        # From here on, any failure or Ctrl-C puts the file back as committed.
        s = flow.start(
            ctx.demo.project,
            target=label,
            pattern=item.pattern,
            description=item.summary,
            concurrency=ctx.settings.concurrency,
        )
        flow.apply_change(s, {item.file: item.fix_path.read_text(encoding="utf-8")})
        ctx.say(implementing_line(number, item.summary))
        tests = flow.guard(s)
        ctx.say(f"[experiment {number}] Guard ({tests.summary()})")
        if not tests.ran:
            raise DemoError(f"the demo's tests did not run: {tests.source}")
        blocking: str | None = None
        if tests.ok:
            blocking = _blocking_removed(ctx, number, item)
            candidate = ctx.start_service(f"service-{number}-after")
            ctx.say(benchmarking_line(number, ctx.settings.concurrency))
            result = measure_pair(ctx, base.url, candidate.url, item.endpoint)
            numbers, verdict = _numbers(result), result.verdict
            ctx.say(f"[experiment {number}] Harness: {result.ruling.line()}")
            said.add(f"[experiment {number}] {result.ruling.line()}")
            flow.use_compare(s, str(result.saved_to))
        ruling = flow.decide(s, blocking_removed=blocking)
        if ruling.status is None:
            # Nobody is there to weigh a tradeoff in a headless run: keep the known state.
            ctx.say(f"[experiment {number}] TRADEOFF: {ruling.reason}; not taken headless")
            ruling = flow.decide(s, status=DISCARD)
        outcome = flow.record(s, ruling)
    except BaseException:
        _abandon(ctx, item)
        if candidate is not None:
            ctx.servers.stop(candidate)
        raise
    # The target and the guard were said first; the bare ruling comes again in the
    # record's own decision line, which a harness ruling said just now already showed.
    said |= {outcome.ruling.line(), f"[guard] {tests.summary()}"}
    for line in outcome.lines:
        if not line.startswith(f"[experiment {number}] Target:") and line not in said:
            ctx.say(line)
    kept = outcome.status == "KEEP"
    if kept and candidate is not None:
        ctx.servers.stop(base)
        ctx.current = candidate
    elif candidate is not None:
        ctx.servers.stop(candidate)
    return ExperimentOutcome(
        number=outcome.record.number,
        name=item.name,
        pattern=item.pattern,
        status=outcome.status,
        reason=outcome.ruling.line(),
        compare_verdict=verdict,
        latency_before_ms=numbers.get("baseline_latency_ms"),
        latency_after_ms=numbers.get("optimized_latency_ms"),
        throughput_before=numbers.get("baseline_throughput"),
        throughput_after=numbers.get("optimized_throughput"),
        tests_failed=tests.failed,
        commit=outcome.commit,
    )
