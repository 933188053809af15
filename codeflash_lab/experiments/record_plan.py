"""What one record will write, decided before anything is touched: the row, the ruling, the evidence.

:func:`plan_record` checks the arguments, applies the decision vocabulary and says
where the ruling's numbers come from. It reads no file and writes nothing: the
transaction (:mod:`codeflash_lab.experiments.record_txn`) does the rest.

How the ruling is chosen, highest first:

1. tests failed (``tests_failed``, or the guard run's failures) → DISCARD ``tests-failed``;
2. a ruling already made (``ruling``, e.g. the compare's own) is taken as it is, except
   that a removed blocking call outranks every rule below ``errors``;
3. otherwise :func:`~codeflash_lab.experiments.decision.decide` decides from the numbers;
4. a person's ``status`` overrides, shown as rule ``person`` with the rules' answer noted.

Evidence: ``measured`` when an ``evidence_ref`` (a saved compare) backs the numbers;
``typed`` for numbers a person typed; ``asserted`` for ``confirmed``/``blocking_removed``
or a ``status`` stated without a saved run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from codeflash_lab.categories import SLUGS
from codeflash_lab.experiments.decision import Decision, decide
from codeflash_lab.verdicts import THRESHOLD_PCT, Evidence, Rule, Ruling, Source, Verdict, highest
from codeflash_lab.workspace.experiment_record import GuardRun
from codeflash_lab.workspace.results import percent_change

__all__ = ["RecordPlan", "plan_record", "ruling_from_decision"]

# decision.py's rule names (before it speaks the shared vocabulary) -> the vocabulary
_RULES: dict[str, Rule] = {
    "tests-failed": Rule.TESTS_FAILED,
    "errors": Rule.ERRORS,
    "blocking-removed": Rule.BLOCKING_REMOVED,
    "tradeoff": Rule.TRADEOFF,
    "latency": Rule.THRESHOLD,
    "throughput": Rule.THRESHOLD,
    "threshold": Rule.THRESHOLD,
    "confirmed": Rule.CONFIRMED,
    "regression": Rule.REGRESSION,
    "noise": Rule.NOISE,
    "no-improvement": Rule.NOISE,
    "unproven": Rule.UNPROVEN,
}


@dataclass(frozen=True)
class RecordPlan:
    """One experiment, checked and decided, ready to be recorded.

    Attributes:
        row: the results.tsv cells' values (``commit`` filled in later).
        ruling: the verdict, its rule and its evidence.
        status: ``KEEP`` or ``DISCARD`` (what results.tsv will say).
        decision: what :func:`decide` said, when it was asked.
        note: a line saying a person overrode the rules, if one did.
        files: the files to commit for a KEEP, as given.
        commit: the commit the row names when nothing is committed (``None``: HEAD).
        id_numbers: what identifies the experiment besides target, description, files, HEAD.
    """

    row: dict[str, Any]
    ruling: Ruling
    status: str
    decision: Decision | None
    note: str | None
    files: tuple[str, ...]
    commit: str | None
    guard: GuardRun | None
    new_baseline: bool
    tag_every: int
    lesson: str | None
    pre_commit: bool
    force: bool
    p99_change: float | None
    id_numbers: dict[str, Any] = field(default_factory=dict)

    @property
    def commits(self) -> bool:
        """A keep commit will be made."""
        return bool(self.files) and self.status == "KEEP"


def ruling_from_decision(decision: Decision, evidence: Evidence) -> Ruling | None:
    """The vocabulary's ruling for a :class:`Decision` (``None`` while it needs confirming)."""
    if decision.verdict == "NEEDS_CONFIRMATION":
        return None  # a person answers --confirmed / --noise first
    own = getattr(decision, "ruling", None)
    if isinstance(own, Ruling):
        return own.with_evidence(evidence)
    if decision.verdict == "INCONCLUSIVE":
        return Ruling(Verdict.INCONCLUSIVE, Rule.UNPROVEN, decision.reason, evidence)
    rule = _RULES.get(str(decision.rule))
    if rule is None or decision.verdict not in ("KEEP", "DISCARD", "TRADEOFF"):
        return None
    verdict = Verdict(decision.verdict)
    if rule.verdict is not None and rule.verdict is not verdict:
        return None
    return Ruling(verdict, rule, decision.reason, evidence)


def _evidence(
    rule: Rule | None,
    *,
    evidence_ref: str | None,
    confirmed: bool | None,
    blocking_removed: bool,
    guard: GuardRun | None,
) -> Evidence:
    if rule is Rule.TESTS_FAILED and guard is not None and guard.ran:
        return Evidence(Source.MEASURED, None, guard.summary())
    if rule is Rule.BLOCKING_REMOVED and blocking_removed and evidence_ref is None:
        return Evidence(Source.ASSERTED, None, "a removed blocking call, stated by a person")
    if evidence_ref:
        return Evidence(Source.MEASURED, evidence_ref)
    if rule in (Rule.CONFIRMED, Rule.NOISE) and confirmed is not None:
        said = "confirmed" if confirmed else "noise"
        return Evidence(Source.ASSERTED, None, f"repeated runs said {said}; no saved compare id")
    return Evidence(Source.TYPED)


def _refuse_undecided(decision: Decision | None, measured_verdict: str | None) -> ValueError:
    reason = decision.reason if decision else ""
    if decision and decision.verdict == "NEEDS_CONFIRMATION" and measured_verdict:
        hint = "compare again with longer runs and pass --confirmed or --noise"
    elif decision and decision.verdict == "NEEDS_CONFIRMATION":
        hint = "re-run and pass --confirmed or --noise"
    else:
        hint = "decide and pass --status KEEP or --status DISCARD"
    verdict = decision.verdict if decision else "undecided"
    return ValueError(f"status: the rules say {verdict} ({reason}); {hint}")


def plan_record(
    *,
    target_test: str,
    pattern: str,
    description: str,
    baseline_latency_ms: float | None = None,
    optimized_latency_ms: float | None = None,
    baseline_throughput: float | None = None,
    optimized_throughput: float | None = None,
    concurrency: int | None = None,
    tests_passed: int | None = None,
    tests_failed: int | None = None,
    commit: str | None = None,
    status: str | None = None,
    confirmed: bool | None = None,
    blocking_removed: bool = False,
    measured_verdict: str | None = None,
    p99_change: float | None = None,
    latency_change: float | None = None,
    throughput_change: float | None = None,
    new_baseline: bool = False,
    files: tuple[str, ...] | list[str] = (),
    tag_every: int = 3,
    lesson: str | None = None,
    pre_commit: bool = True,
    guard: GuardRun | None = None,
    ruling: Ruling | None = None,
    evidence_ref: str | None = None,
    force: bool = False,
) -> RecordPlan:
    """Check the arguments of :func:`~codeflash_lab.experiments.ledger.record_experiment`
    and decide (see the module docstring). Nothing is read or written.

    Raises:
        ValueError: an unknown ``pattern``/``status``, an empty ``description`` or
            ``target_test``, ``tag_every`` outside 3..5, or a verdict the rules leave to
            a person (small unconfirmed change, tradeoff).
    """
    if not 3 <= tag_every <= 5:
        raise ValueError(f"tag_every: expected 3 to 5 keeps per milestone, got {tag_every}")
    pattern = pattern.strip().lower()
    if pattern not in SLUGS:
        raise ValueError(
            f"pattern: unknown category {pattern!r}; expected one of {', '.join(SLUGS)}"
        )
    if not description.strip():
        raise ValueError("description: say in one line what the change does")
    if not str(target_test or "").strip():
        raise ValueError("target_test: say what was measured")
    given = status.strip().upper() if status else None
    if given is not None and given not in ("KEEP", "DISCARD"):
        raise ValueError(f"status: expected KEEP or DISCARD, got {status!r}")
    if tests_failed is None and guard is not None and guard.ran:
        tests_passed = guard.passed if tests_passed is None else tests_passed
        tests_failed = guard.failed
    lat = percent_change(baseline_latency_ms, optimized_latency_ms)
    lat = latency_change if lat is None else lat
    thr = percent_change(baseline_throughput, optimized_throughput)
    thr = throughput_change if thr is None else thr
    ev = partial(_evidence, evidence_ref=evidence_ref, confirmed=confirmed,
                 blocking_removed=blocking_removed, guard=guard)  # fmt: skip

    decision: Decision | None = None
    chosen: Ruling | None = None
    if ruling is not None:
        if evidence_ref and ruling.evidence.ref is None:
            ruling = ruling.with_evidence(
                Evidence(
                    Source.MEASURED, evidence_ref, ruling.evidence.summary, ruling.evidence.facts
                )
            )
        above: list[Ruling] = []
        if tests_failed:
            above.append(Ruling(Verdict.DISCARD, Rule.TESTS_FAILED,
                                f"{tests_failed} test(s) failed with the change",
                                ev(Rule.TESTS_FAILED)))  # fmt: skip
        if blocking_removed:
            above.append(Ruling(Verdict.KEEP, Rule.BLOCKING_REMOVED,
                                "a blocking call was removed and debug mode no longer sees it",
                                ev(Rule.BLOCKING_REMOVED)))  # fmt: skip
        chosen = highest(ruling, *above)
    else:
        try:
            decision = decide(
                tests_failed=tests_failed,
                latency_change=lat,
                p99_change=p99_change,
                throughput_change=thr,
                confirmed=confirmed,
                blocking_removed=blocking_removed,
                measured_verdict=measured_verdict,
            )
        except ValueError:
            if given is None:
                raise ValueError(
                    "status: no latency or throughput numbers to decide from; give them, "
                    "or --status KEEP/DISCARD, or --blocking-removed"
                ) from None
        if decision is not None:
            rule = _RULES.get(str(getattr(decision, "rule", "")))
            if decision.rule == "no-improvement" and (
                (lat or 0) >= THRESHOLD_PCT or (thr or 0) <= -THRESHOLD_PCT
            ):
                rule = Rule.REGRESSION
            chosen = ruling_from_decision(decision, ev(rule))
            if chosen is not None and rule is Rule.REGRESSION and chosen.rule is Rule.NOISE:
                chosen = Ruling(Verdict.DISCARD, Rule.REGRESSION, decision.reason, chosen.evidence)

    note = None
    if given is not None and (chosen is None or chosen.status != given):
        said = decision if decision is not None else chosen
        if said is not None:
            note = f"note: the rules said {said}"
        reason = "chosen by a person" + (f"; the rules said {chosen.verdict} [{chosen.rule}]"
                                         if chosen is not None else "")  # fmt: skip
        source = Evidence(Source.ASSERTED, evidence_ref, "status given with --status")
        chosen = Ruling(Verdict(given), Rule.PERSON, reason, source)
    if chosen is None or chosen.status is None:
        raise (
            _refuse_undecided(decision, measured_verdict)
            if chosen is None
            else ValueError(
                f"status: the rules say {chosen.verdict} ({chosen.reason}); decide and pass "
                "--status KEEP or --status DISCARD"
            )
        )
    row = {
        "target_test": target_test,
        "baseline_latency_ms": baseline_latency_ms,
        "optimized_latency_ms": optimized_latency_ms,
        "latency_change": lat,
        "baseline_throughput": baseline_throughput,
        "optimized_throughput": optimized_throughput,
        "throughput_change": thr,
        "concurrency": None if concurrency is None else float(concurrency),
        "tests_passed": None if tests_passed is None else float(tests_passed),
        "tests_failed": None if tests_failed is None else float(tests_failed),
        "status": chosen.status,
        "pattern": pattern,
        "description": description,
    }
    id_numbers = {k: v for k, v in row.items() if k not in ("target_test", "description")}
    id_numbers.update({"p99_change": p99_change, "status_given": given, "commit": commit})
    return RecordPlan(
        row=row,
        ruling=chosen,
        status=chosen.status,
        decision=decision,
        note=note,
        files=tuple(str(f) for f in files),
        commit=commit,
        guard=guard,
        new_baseline=new_baseline,
        tag_every=tag_every,
        lesson=lesson,
        pre_commit=pre_commit,
        force=force,
        p99_change=p99_change,
        id_numbers=id_numbers,
    )
