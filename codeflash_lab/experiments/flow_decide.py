"""The experiment flow's decision, as a pure function over what the steps measured.

Higher rules beat the compare's ruling (see :mod:`codeflash_lab.verdicts`): failing
tests (or a change that does not parse) discard it, a blocking call that debug mode
no longer sees keeps it; otherwise the saved compare decides. A person's status
outranks them all and is shown as asserted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codeflash_lab.experiments.compare_input import CompareNumbers
from codeflash_lab.experiments.decision import decide
from codeflash_lab.verdicts import THRESHOLD_PCT, Evidence, Rule, Ruling, Source, Verdict, highest
from codeflash_lab.workspace.experiment_record import GuardRun
from codeflash_lab.workspace.results import percent_change

__all__ = ["compare_ruling", "flow_ruling", "guard_ruling"]

_RULES = {
    "tests-failed": Rule.TESTS_FAILED,
    "blocking-removed": Rule.BLOCKING_REMOVED,
    "tradeoff": Rule.TRADEOFF,
    "latency": Rule.THRESHOLD,
    "throughput": Rule.THRESHOLD,
    "confirmed": Rule.CONFIRMED,
    "noise": Rule.NOISE,
    "unconfirmed": Rule.UNPROVEN,
    "threshold": Rule.THRESHOLD,
    "regression": Rule.REGRESSION,
    "errors": Rule.ERRORS,
    "unproven": Rule.UNPROVEN,
}


def guard_ruling(guard: GuardRun | None) -> Ruling | None:
    """DISCARD [tests-failed] when the guard saw failing tests or a file that does not
    parse; ``None`` otherwise (a guard that could not run decides nothing)."""
    if guard is None:
        return None
    syntax = guard.source.startswith("syntax error:")
    if guard.ok or not (syntax or guard.ran):
        return None
    reason = (
        f"the change does not parse ({guard.source[len('syntax error: ') :]})"
        if syntax
        else f"{guard.failed} test(s) failed with the change"
    )
    evidence = Evidence(Source.MEASURED, summary=guard.summary(), facts=guard.to_dict())
    return Ruling(Verdict.DISCARD, Rule.TESTS_FAILED, reason, evidence)


def compare_ruling(numbers: CompareNumbers, doc: Mapping[str, Any] | None = None) -> Ruling:
    """The saved compare's ruling: its own ``ruling`` when it wrote one, else the
    keep/discard tree applied to its numbers and verdict."""
    ref = numbers.source
    if doc and isinstance(doc.get("ruling"), Mapping):
        ruling = Ruling.from_dict(doc["ruling"])
        if ruling.evidence.ref is None:
            ruling = ruling.with_evidence(
                Evidence(Source.MEASURED, ref, ruling.evidence.summary, ruling.evidence.facts)
            )
        return ruling
    lat = percent_change(numbers.baseline_latency_ms, numbers.optimized_latency_ms)
    thr = percent_change(numbers.baseline_throughput, numbers.optimized_throughput)
    facts = {"latency_change": lat, "throughput_change": thr, "p99_change": numbers.p99_change}
    evidence = Evidence(
        Source.MEASURED, ref, f"compare verdict {numbers.verdict or '?'}", facts=facts
    )
    try:
        d = decide(
            latency_change=lat,
            p99_change=numbers.p99_change,
            throughput_change=thr,
            confirmed=numbers.confirmed,
            measured_verdict=numbers.verdict or None,
        )
    except ValueError:
        return Ruling(Verdict.INCONCLUSIVE, Rule.UNPROVEN, "the compare has no numbers", evidence)
    rule = _RULES.get(d.rule)
    if rule is None:  # nothing improved: a regression when worse by the threshold
        worse = [
            v
            for v in (lat, numbers.p99_change, None if thr is None else -thr)
            if v is not None and v >= THRESHOLD_PCT
        ]
        rule = Rule.REGRESSION if worse else Rule.NOISE
    verdict = rule.verdict or Verdict.INCONCLUSIVE
    return Ruling(verdict, rule, d.reason, evidence)


def flow_ruling(
    *,
    compare: Ruling | None,
    guard: GuardRun | None = None,
    blocking_removed: str | bool | None = None,
    status: str | None = None,
) -> Ruling:
    """The one decision of an experiment.

    Args:
        compare: the compare's ruling (``None`` when nothing was measured).
        guard: the guard run, if one ran.
        blocking_removed: what shows debug mode no longer sees the blocking call (a debug
            capture's path or summary); ``True`` when a person says so without one (shown
            as asserted); ``None``/``False``: not claimed.
        status: ``KEEP``/``DISCARD`` chosen by a person: outranks every rule, shown as asserted.

    Raises:
        ValueError: nothing to decide from (no compare, no failing guard, no blocking
            evidence and no status), or an unknown ``status``.
    """
    if status is not None:
        chosen = status.strip().upper()
        if chosen not in ("KEEP", "DISCARD"):
            raise ValueError(f"status: expected KEEP or DISCARD, got {status!r}")
        below = highest(guard_ruling(guard), compare)
        note = f"; the rules said {below.verdict} [{below.rule}]" if below else ""
        return Ruling(
            Verdict(chosen),
            Rule.PERSON,
            f"a person chose {chosen}{note}",
            Evidence(Source.ASSERTED, summary="" if guard is None else guard.summary()),
        )
    blocking = None
    if blocking_removed:
        evidence = (
            Evidence(Source.ASSERTED, summary="a person says debug mode confirms it")
            if blocking_removed is True
            else Evidence(Source.MEASURED, ref=str(blocking_removed))
        )
        blocking = Ruling(
            Verdict.KEEP,
            Rule.BLOCKING_REMOVED,
            "debug mode no longer sees the event loop blocked at the changed call",
            evidence,
        )
    ruling = highest(guard_ruling(guard), blocking, compare)
    if ruling is None:
        raise ValueError(
            "nothing to decide from: measure with a compare, or give a status (KEEP/DISCARD)"
        )
    return ruling
