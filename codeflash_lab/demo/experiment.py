"""One experiment of the guided demo: apply a fix, test, measure A/B, decide, record.

The verdict comes from the harness's numbers and the ledger's rules; nothing
here knows in advance whether a fix will pay.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.demo.catalog import PROCESS, Exercise
from codeflash_lab.demo.context import DemoContext
from codeflash_lab.demo.evidence import debug_scenarios
from codeflash_lab.demo.project import apply_fix, revert_fix, run_tests
from codeflash_lab.demo.result import ExperimentOutcome
from codeflash_lab.experiments import DISCARD, record_experiment, target_line
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


def _blocking_removed(ctx: DemoContext, number: int, item: Exercise) -> bool:
    """For a blocking-call fix: debug mode saw the loop blocked at the finding, and now does not."""
    from codeflash_lab.profiling import blocking_call_removed

    if item.pattern != "blocking-call" or ctx.debug_before is None:
        return False
    path = ctx.demo.project / item.file
    lines = [f.line for f in ctx.findings if f.category == item.pattern and Path(f.path) == path]
    if not lines:
        return False
    after = debug_scenarios(ctx)
    save_run(ctx.workspace, "debug", after.to_dict())
    evidence = blocking_call_removed(ctx.debug_before, after, path=str(path), line=lines[0])
    ctx.say(f"[experiment {number}] asyncio debug: {evidence.evidence}")
    return bool(evidence)


def run_experiment(ctx: DemoContext, number: int, item: Exercise) -> ExperimentOutcome:
    """Apply ``item``'s fix as experiment ``number`` and keep it only if the rules say so.

    On KEEP the fix is committed on the optimization branch and the candidate
    server becomes the new baseline; on DISCARD the file is restored and the
    candidate stopped.

    Returns:
        What happened, for the demo's result.
    """
    ws = ctx.workspace
    ctx.say(target_line(number, item.title, item.pattern))
    base = ctx.restart_current(f"service-{number}-before")
    label = endpoint_label(item.endpoint)
    numbers: dict[str, Any] = {}
    verdict = ""
    ruling = None
    result_ref: str | None = None
    status: str | None = None
    confirmed: bool | None = None
    blocking_removed = False
    candidate = None
    try:
        # From here on, any failure or Ctrl-C puts the file back as committed.
        files = apply_fix(ctx.demo.project, item)
        ctx.say(implementing_line(number, item.summary))
        tests = run_tests(ctx.demo.project)
        ctx.say(f"[experiment {number}] Guard (tests): {tests}")
        if tests.failed == 0:
            blocking_removed = _blocking_removed(ctx, number, item)
            candidate = ctx.start_service(f"service-{number}-after")
            ctx.say(benchmarking_line(number, ctx.settings.concurrency))
            result = measure_pair(ctx, base.url, candidate.url, item.endpoint)
            numbers, verdict, ruling = _numbers(result), result.verdict, result.ruling
            result_ref = result.saved_to
            confirmed = result.confirmed
            ctx.say(f"[experiment {number}] Harness: {ruling.line()}")
            if verdict == "TRADEOFF" and not blocking_removed:
                # Nobody is there to weigh a tradeoff in a headless run: keep the known state.
                status = DISCARD
                ctx.say(f"[experiment {number}] TRADEOFF: {result.reason}; not taken headless")
        record = record_experiment(
            ws,
            target_test=label,
            pattern=item.pattern,
            description=item.summary,
            concurrency=ctx.settings.concurrency,
            tests_passed=tests.passed,
            tests_failed=tests.failed,
            status=status,
            confirmed=confirmed,
            blocking_removed=blocking_removed,
            measured_verdict=verdict or None,
            ruling=ruling,
            evidence_ref=result_ref,
            files=files,
            **numbers,
        )
    except BaseException:
        revert_fix(ctx.demo.project, item)
        if candidate is not None:
            ctx.servers.stop(candidate)
        raise
    for line in record.lines:
        if not line.startswith(f"[experiment {number}] Target:"):
            ctx.say(line)
    kept = record.experiment.status == "KEEP"
    if kept and candidate is not None:
        ctx.servers.stop(base)
        ctx.current = candidate
    else:
        revert_fix(ctx.demo.project, item)
        if candidate is not None:
            ctx.servers.stop(candidate)
    if record.ruling is not None:
        reason = record.ruling.line()
    else:
        reason = record.decision.reason if record.decision else "decided by hand"
    return ExperimentOutcome(
        number=record.number,
        name=item.name,
        pattern=item.pattern,
        status=record.experiment.status,
        reason=reason,
        compare_verdict=verdict,
        latency_before_ms=numbers.get("baseline_latency_ms"),
        latency_after_ms=numbers.get("optimized_latency_ms"),
        throughput_before=numbers.get("baseline_throughput"),
        throughput_after=numbers.get("optimized_throughput"),
        tests_failed=tests.failed,
        commit=record.commit,
    )
