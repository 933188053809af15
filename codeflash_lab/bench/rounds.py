"""The adaptive loop of a compare: interleaved rounds until a zone or the budget (pure).

It knows nothing of targets or processes: ``take_round`` measures one round (the compare
passes one that runs real targets; tests pass scripted runs), ``clock`` tells the time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from codeflash_lab.bench.decision import Decision, decide
from codeflash_lab.bench.futility import within_reach
from codeflash_lab.bench.lengthen import (
    longer,
    round_cost_ratio,
    run_length,
    worth_lengthening,
)
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.sequential import Design

__all__ = [
    "RoundFailed",
    "Rounds",
    "orders",
    "run_rounds",
    "unproven",
]

#: ``take_round(order, config) -> (runs, interrupted)``: the runs of one round, labelled
#: with their arm, in the order given. It raises :class:`RoundFailed` when a run fails.
TakeRound = Callable[[Sequence[str], BenchConfig], tuple[list[Run], bool]]


class RoundFailed(Exception):
    """Raised by ``take_round``: a run of the round failed; the loop stops there.

    Attributes:
        runs: the runs of this round that finished before the failure, labelled.
    """

    def __init__(self, message: str, *, runs: Sequence[Run] = ()) -> None:
        super().__init__(message)
        self.runs = list(runs)


@dataclass(frozen=True, slots=True)
class Rounds:
    """What the loop took and decided.

    Attributes:
        runs: every finished run, in the order taken.
        a_runs: A's runs of complete rounds.
        b_runs: B's runs of complete rounds.
        decision: the verdict at the last look (unsettled: worded as INCONCLUSIVE/unproven).
        lengths: measured seconds (or ops) per run of each complete round.
        elapsed_s: wall time of the loop.
        interrupted: Ctrl-C or an interrupted round ended it.
        failure: why a failed run ended it (the runs before it are kept), or ``None``.
        out_of_reach: it stopped early because no zone was within reach of the rounds the
            budget still held (:mod:`~codeflash_lab.bench.futility`).
    """

    runs: tuple[Run, ...]
    a_runs: tuple[Run, ...]
    b_runs: tuple[Run, ...]
    decision: Decision | None
    lengths: tuple[float, ...]
    elapsed_s: float
    interrupted: bool
    failure: str | None = None
    out_of_reach: bool = False


def _indexed(runs: Sequence[Run], start: int) -> list[Run]:
    """``runs`` numbered from ``start`` (in the order of the whole compare)."""
    return [r.with_changes(index=start + i) for i, r in enumerate(runs)]


def orders(start: int, count: int) -> list[str]:
    """Interleaved rounds: A B, B A, A B, ... from round ``start``."""
    out: list[str] = []
    for i in range(start, start + count):
        out.extend(("A", "B") if i % 2 == 0 else ("B", "A"))
    return out


def unproven(
    decision: Decision, budget: float, *, last_look: bool, reach: int | None = None
) -> Decision:
    """An unsettled decision worded as such: never "noise", and how to get an answer.

    ``reach``: it stopped early, as no zone was within reach of this many rounds.
    """
    if reach is not None:
        why = (
            f"could not separate it from noise: stopped after {decision.rounds} rounds, as at "
            f"this spread not even the {reach} rounds that {budget:.0f} s hold would settle it"
        )
    elif last_look:
        why = f"could not separate it from noise in the {decision.rounds} rounds this design takes"
    else:
        why = f"could not separate it from noise in {budget:.0f} s"
    more = max(60.0, budget * 2)
    cis = "; ".join(
        f"{c.name} {c.interval.text()}"
        for c in decision.criteria.values()
        if c.interval is not None and not c.low_confidence
    )
    rounds = "" if last_look or reach is not None else f" after {decision.rounds} rounds"
    tail = f"{rounds} ({cis})" if cis else f" ({decision.reason})"
    return decision.with_reason(
        f"{why}{tail}; run it again with --budget {more:.0f} (budget_s={more:.0f} from Python), "
        "longer runs or on a quieter machine"
    )


def run_rounds(
    take_round: TakeRound,
    *,
    config: BenchConfig,
    design: Design,
    budget_s: float,
    max_rounds: int | None = None,
    lengthen: bool = True,
    start_cost_s: float = 0.5,
    stop_out_of_reach: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> Rounds:
    """Take rounds until a look settles the verdict or the budget is spent.

    Before each round the loop checks that the rounds up to the next look fit in what is
    left of ``budget_s`` (estimated from the slowest of the last three rounds), so the
    budget caps the whole loop, the round in flight included. When the next planned look
    does not fit, the loop plans one final look at the last even number of rounds that
    does (past the last look taken; the rounds taken so far when no more fit), which spends
    the error rate of the planned looks not taken
    (:meth:`~codeflash_lab.bench.sequential.Design.confidence_at`). After a look that settles
    nothing, runs are doubled (both arms, up to
    :data:`~codeflash_lab.bench.lengthen.MAX_LENGTHEN` times the start) when the op count per
    run is the limit (the precision a round would gain is more than the time it would cost:
    :func:`~codeflash_lab.bench.lengthen.worth_lengthening`) and the rounds up to the next look
    still fit the budget at the new length.

    Args:
        take_round: measures one round.
        config: settings of the first round.
        design: look schedule and error rate.
        budget_s: hard cap in seconds.
        max_rounds: stop after this many rounds (default: the design's last look).
        lengthen: allow longer runs.
        start_cost_s: seconds a fresh process or loop adds to a run, before rounds are timed.
        stop_out_of_reach: stop early (INCONCLUSIVE) after a look from which no zone is
            within reach of the rounds the budget still holds
            (:func:`~codeflash_lab.bench.futility.within_reach`).
        clock: monotonic seconds.
    """
    started = clock()
    deadline = started + budget_s
    cap = design.max_rounds if max_rounds is None else max(design.min_rounds, max_rounds)
    taken: list[Run] = []
    lengths: list[float] = []
    round_s: list[float] = []
    current = config
    interrupted = False
    failure: str | None = None

    def split() -> tuple[tuple[Run, ...], tuple[Run, ...]]:
        a_runs = tuple(r for r in taken if r.arm == "A")
        b_runs = tuple(r for r in taken if r.arm == "B")
        n = min(len(a_runs), len(b_runs), len(lengths))
        return a_runs[:n], b_runs[:n]

    def estimate() -> float:
        if round_s:
            return max(round_s[-3:])
        return 2 * (current.warmup_s + current.run_seconds + start_cost_s)

    final_at: int | None = None
    out_of_reach = False
    reach = 0

    def last_look_within(done: int, fit_to: int) -> int:
        """The last look (planned, or a final one at an even count) after ``done`` and at
        most ``fit_to`` rounds (``done`` when there is none)."""
        even = fit_to // 2 * 2
        return max([n for n in design.looks if done < n <= fit_to] + [even, done])

    def plan_final(done: int) -> int | None:
        """The rounds of the final look: the last even count that fits the budget, or the
        rounds taken so far when no further round fits (``None``: no rounds past the last
        look, or fewer than the first look needs)."""
        fit = int((deadline - clock()) / estimate())
        final = max((done + fit) // 2 * 2, done)
        last_taken = design.look_at(done) or 0
        return final if final > last_taken and final >= design.min_rounds else None

    try:
        while len(lengths) < cap:
            done = len(lengths)
            target = final_at or min(design.next_look(done) or done + 1, cap)
            if clock() + (target - done) * estimate() > deadline:
                # The planned look no longer fits: a final look at the rounds that do.
                # (Planned again if the rounds slowed down on the way to the first plan.)
                final_at = plan_final(done)
                if final_at is None or final_at == done:
                    break
                target = final_at
            t0 = clock()
            order = orders(done, 1)
            try:
                got, interrupted = take_round(order, current)
            except RoundFailed as exc:  # the runs before it are kept
                failure = str(exc)
                taken.extend(_indexed(exc.runs, len(taken)))
                break
            taken.extend(_indexed(got, len(taken)))
            if interrupted:
                break
            if sorted(r.arm or "" for r in got) != sorted(order):
                break  # the round was cut short by the budget: it is not counted
            lengths.append(run_length(current))
            round_s.append(clock() - t0)
            if len(lengths) == final_at:
                break
            if design.look_at(len(lengths)) != len(lengths):
                continue
            a_runs, b_runs = split()
            if decide(a_runs, b_runs, design=design).settled:
                break
            doubled = longer(current, config) if lengthen else None
            if doubled is not None:
                scale = round_cost_ratio(doubled, current, estimate())
                upcoming = min(design.next_look(len(lengths)) or cap, cap) - len(lengths)
                if worth_lengthening(a_runs, b_runs, scale) and (
                    clock() + upcoming * estimate() * scale <= deadline
                ):
                    # longer runs only when the rounds to the next look still fit the budget
                    round_s = [t * scale for t in round_s]
                    current = doubled
                    continue
            done = len(lengths)
            reach = final_at or last_look_within(
                done, min(cap, done + int((deadline - clock()) / estimate()))
            )
            if (
                stop_out_of_reach
                and reach > done
                and not within_reach(a_runs, b_runs, design=design, at_rounds=reach)
            ):
                out_of_reach = True
                break
    except KeyboardInterrupt:
        interrupted = True
    a_runs, b_runs = split()
    final = final_at is not None and len(lengths) == final_at
    decision = decide(a_runs, b_runs, design=design, final=final) if a_runs else None
    if decision is not None and failure is not None:
        decision = decision.with_reason(f"{decision.reason} — stopped early: a run failed")
    elif decision is not None and not decision.settled and not interrupted:
        decision = unproven(
            decision,
            budget_s,
            last_look=len(lengths) >= cap,
            reach=reach if out_of_reach else None,
        )
    if decision is not None and interrupted:
        decision = decision.with_reason(decision.reason + " — interrupted, partial rounds")
    return Rounds(
        runs=tuple(taken),
        a_runs=a_runs,
        b_runs=b_runs,
        decision=decision,
        lengths=tuple(lengths),
        elapsed_s=clock() - started,
        interrupted=interrupted,
        failure=failure,
        out_of_reach=out_of_reach,
    )
