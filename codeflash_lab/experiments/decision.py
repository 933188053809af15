"""The keep/discard decision tree for one experiment, as a pure function.

Changes are percents as results.tsv writes them: latency ``-63`` means 63% faster,
throughput ``+172`` means 172% more operations per second. The verdict, its rule and its
evidence use the shared vocabulary of :mod:`codeflash_lab.verdicts`; rules in order of
precedence: tests-failed, errors, blocking-removed, tradeoff, threshold, confirmed,
regression, noise, unproven.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from codeflash_lab.verdicts import FLOOR_PCT, Evidence, Rule, Ruling, Source, Verdict

__all__ = [
    "DISCARD",
    "INCONCLUSIVE",
    "KEEP",
    "NEEDS_CONFIRMATION",
    "THRESHOLD_PCT",
    "TRADEOFF",
    "VERDICTS",
    "Decision",
    "decide",
]

KEEP = "KEEP"
DISCARD = "DISCARD"
TRADEOFF = "TRADEOFF"
INCONCLUSIVE = "INCONCLUSIVE"
#: Typed numbers of a small change with no answer yet on whether repeated runs confirm it:
#: the ledger asks the person (``--confirmed`` / ``--noise``); its ruling is ``unproven``.
NEEDS_CONFIRMATION = "NEEDS_CONFIRMATION"
VERDICTS: tuple[str, ...] = (KEEP, DISCARD, TRADEOFF, INCONCLUSIVE, NEEDS_CONFIRMATION)

#: A change this large (in percent) is a clear win without further confirmation.
THRESHOLD_PCT = 10.0

# Percent values come from rounded divisions; a 1e-9 slack keeps "exactly 10%" on the KEEP side.
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict for one experiment, the rule that decided and its evidence.

    Attributes:
        verdict: one of :data:`VERDICTS`.
        reason: why, in words.
        rule: the deciding rule's name (a :class:`~codeflash_lab.verdicts.Rule` value).
        ruling: the same decision in the shared vocabulary, with its evidence.
    """

    verdict: str
    reason: str
    rule: str
    ruling: Ruling = field(compare=False)

    @property
    def status(self) -> str | None:
        """``KEEP``/``DISCARD`` for results.tsv (INCONCLUSIVE is logged as DISCARD under
        ``unproven``), or ``None`` while a person must still decide."""
        if self.verdict == NEEDS_CONFIRMATION:
            return None
        return self.ruling.status

    def to_dict(self) -> dict[str, Any]:
        """The decision as a plain dict (adds ``status`` and the ruling)."""
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "rule": self.rule,
            "status": self.status,
            "ruling": self.ruling.to_dict(),
        }

    def line(self) -> str:
        """``KEEP [threshold]: reason — evidence: ...``."""
        if self.verdict == NEEDS_CONFIRMATION:
            return f"{NEEDS_CONFIRMATION} [{self.rule}]: {self.reason}"
        return self.ruling.line()

    def __str__(self) -> str:
        return f"{self.verdict}: {self.reason}"

    def _repr_html_(self) -> str:
        import html

        return (
            f"<p><b>{html.escape(self.verdict)}</b> <code>{html.escape(self.rule)}</code>: "
            f"{html.escape(self.reason)} <i>({html.escape(self.ruling.evidence.label())})</i></p>"
        )


def _make(verdict: Verdict | str, rule: Rule, reason: str, evidence: Evidence) -> Decision:
    shown = Verdict.INCONCLUSIVE if verdict == NEEDS_CONFIRMATION else Verdict(verdict)
    return Decision(str(verdict), reason, str(rule), Ruling(shown, rule, reason, evidence))


def _lat_name(p50: float | None, p99: float | None, value: float) -> str:
    return "p50 latency" if p50 == value or p99 is None else "p99 latency"


def _pct(value: float) -> str:
    return f"{abs(value):.1f}%".replace(".0%", "%")


def _measured_ruling(measured: Ruling | Mapping[str, Any]) -> Ruling:
    return measured if isinstance(measured, Ruling) else Ruling.from_dict(measured)


def decide(
    *,
    tests_failed: int | None = 0,
    latency_change: float | None = None,
    p99_change: float | None = None,
    throughput_change: float | None = None,
    confirmed: bool | None = None,
    blocking_removed: bool = False,
    measured_verdict: str | None = None,
    threshold_pct: float = THRESHOLD_PCT,
    measured: Ruling | Mapping[str, Any] | None = None,
    evidence: Evidence | None = None,
) -> Decision:
    """Apply the keep/discard tree to one experiment.

    In order:

    1. any failing test: DISCARD [tests-failed];
    2. a compare that found B failing more operations: DISCARD [errors];
    3. a blocking call removed, as asyncio debug mode shows: KEEP [blocking-removed],
       whatever the benchmark says;
    4. a compare's ruling (``measured``): taken as it is;
    5. a compare's verdict without its ruling (``measured_verdict``): KEEP stays KEEP,
       TRADEOFF stays TRADEOFF, INCONCLUSIVE is [unproven] (logged as DISCARD) unless
       repeated runs answered ``confirmed``, DISCARD is [regression] or [noise];
    6. typed numbers: opposite moves of at least ``threshold_pct`` → TRADEOFF; a gain of at
       least ``threshold_pct`` → KEEP [threshold]; a smaller gain → KEEP [confirmed] or
       DISCARD [noise] as ``confirmed`` says (asserted by the person), else
       NEEDS_CONFIRMATION; a loss → DISCARD [regression]; no gain and no loss →
       DISCARD [noise] from a measured compare, INCONCLUSIVE [unproven] (logged as
       DISCARD) from typed numbers.

    Args:
        tests_failed: failing tests with the change applied (``None`` = not run, treated as 0).
        latency_change: p50 latency change in percent (negative is faster).
        p99_change: p99 latency change in percent (negative is faster).
        throughput_change: throughput change in percent (positive is more).
        confirmed: did repeated runs confirm a gain (``None`` = not asked).
        blocking_removed: debug mode saw the loop blocked at the fixed call and no longer does.
        measured_verdict: a compare's verdict for these numbers, when they came from one.
        threshold_pct: the size of a clear win.
        measured: a compare's ruling (``Ruling`` or its ``to_dict()``), taken as it is.
        evidence: what the numbers rest on (default: measured when a compare gave them,
            typed otherwise).

    Returns:
        The :class:`Decision`, with its rule and evidence.

    Raises:
        ValueError: ``threshold_pct`` is not positive, ``tests_failed`` is negative, or
            nothing to decide from (no number, no ruling, no failing test, no blocking call).
    """
    if threshold_pct <= 0:
        raise ValueError(f"threshold_pct: must be positive, got {threshold_pct}")
    if tests_failed is not None and tests_failed < 0:
        raise ValueError(f"tests_failed: must be 0 or more, got {tests_failed}")
    ruled = _measured_ruling(measured) if measured is not None else None
    verdict_in = (measured_verdict or "").strip().upper() or (str(ruled.verdict) if ruled else "")
    source = Source.MEASURED if (ruled or verdict_in) else Source.TYPED
    base = evidence or (ruled.evidence if ruled else Evidence(source))
    if tests_failed:
        return _make(
            Verdict.DISCARD,
            Rule.TESTS_FAILED,
            f"{tests_failed} test(s) failed with the change: fix it and measure again, or drop it",
            base,
        )
    if ruled is not None and ruled.rule is Rule.ERRORS:
        return _make(ruled.verdict, ruled.rule, ruled.reason, base)
    if blocking_removed:
        return _make(
            Verdict.KEEP,
            Rule.BLOCKING_REMOVED,
            "debug mode saw the event loop blocked at the fixed call and no longer does: "
            "kept whatever the benchmark says",
            base,
        )
    if ruled is not None:
        return _make(ruled.verdict, ruled.rule, ruled.reason, base)
    lat = [c for c in (latency_change, p99_change) if c is not None]
    if not lat and throughput_change is None:
        raise ValueError(
            "latency_change/p99_change/throughput_change: at least one measured change is needed"
        )
    t = threshold_pct - _EPS
    best_lat = min(lat, default=0.0)  # most negative = largest speed-up
    worst_lat = max(lat, default=0.0)
    thr = throughput_change if throughput_change is not None else 0.0
    lat_win, lat_loss = best_lat <= -t, worst_lat >= t
    thr_win, thr_loss = thr >= t, thr <= -t
    won = (
        f"{_lat_name(latency_change, p99_change, best_lat)} {_pct(best_lat)} lower"
        if best_lat < 0 and (lat_win or not thr > 0 or -best_lat >= thr)
        else f"throughput {_pct(thr)} higher"
    )
    tag = ""  # typed numbers say so in their evidence label
    if verdict_in == "TRADEOFF" or (
        not verdict_in and ((lat_win and thr_loss) or (thr_win and lat_loss))
    ):
        wins, losses = [], []
        if lat_win or (verdict_in and best_lat < 0):
            wins.append(f"{_lat_name(latency_change, p99_change, best_lat)} {_pct(best_lat)} lower")
        if thr_win or (verdict_in and thr > 0):
            wins.append(f"throughput {_pct(thr)} higher")
        if lat_loss or (verdict_in and worst_lat > 0):
            losses.append(
                f"{_lat_name(latency_change, p99_change, worst_lat)} {_pct(worst_lat)} higher"
            )
        if thr_loss or (verdict_in and thr < 0):
            losses.append(f"throughput {_pct(thr)} lower")
        what = " and ".join(wins) + " but " + " and ".join(losses) if wins and losses else ""
        return _make(
            Verdict.TRADEOFF,
            Rule.TRADEOFF,
            f"{what or 'one metric better, another worse'}: a tradeoff, decide which matters "
            f"more{tag}",
            base,
        )
    gain = best_lat < 0 or thr > 0
    big = lat_win or thr_win
    worse = worst_lat >= FLOOR_PCT - _EPS or thr <= -FLOOR_PCT + _EPS
    if verdict_in == "KEEP":
        rule = Rule.THRESHOLD if big else Rule.CONFIRMED
        return _make(Verdict.KEEP, rule, f"{won}, the compare kept it", base)
    if verdict_in == "INCONCLUSIVE":
        if confirmed is True:
            return _make(Verdict.KEEP, Rule.CONFIRMED, f"{won}, confirmed by repeated runs", base)
        if confirmed is False:
            return _make(Verdict.DISCARD, Rule.NOISE, f"repeated runs show {won} is noise", base)
        return _make(
            Verdict.INCONCLUSIVE,
            Rule.UNPROVEN,
            f"{won} in the medians, but the compare could not separate it from noise "
            "within its budget: unproven, logged as DISCARD",
            base,
        )
    if verdict_in == "DISCARD":
        if worse and not gain:
            return _make(Verdict.DISCARD, Rule.REGRESSION, "the compare found it slower", base)
        return _make(
            Verdict.DISCARD, Rule.NOISE, "the compare's rounds rule out a gain worth keeping", base
        )
    asserted = Evidence(Source.ASSERTED, base.ref, base.summary, base.facts)
    if lat_win:
        which = "p50" if latency_change == best_lat else "p99"
        return _make(
            Verdict.KEEP,
            Rule.THRESHOLD,
            f"{which} latency {_pct(best_lat)} lower (at least {_pct(threshold_pct)}){tag}",
            base,
        )
    if thr_win:
        return _make(
            Verdict.KEEP,
            Rule.THRESHOLD,
            f"throughput {_pct(thr)} higher (at least {_pct(threshold_pct)}){tag}",
            base,
        )
    if gain:
        parts = []
        if best_lat < 0:
            parts.append(f"latency {_pct(best_lat)} lower")
        if thr > 0:
            parts.append(f"throughput {_pct(thr)} higher")
        small = " and ".join(parts) + f", under {_pct(threshold_pct)}{tag}"
        if confirmed is True:
            return _make(
                Verdict.KEEP, Rule.CONFIRMED, f"{small}, confirmed by repeated runs", asserted
            )
        if confirmed is False:
            return _make(
                Verdict.DISCARD,
                Rule.NOISE,
                f"{small}, and repeated runs show it is noise",
                asserted,
            )
        return _make(
            NEEDS_CONFIRMATION,
            Rule.UNPROVEN,
            f"{small}: re-run at least 3 times to tell a real gain from noise",
            base,
        )
    if worse:
        return _make(
            Verdict.DISCARD, Rule.REGRESSION, f"neither latency nor throughput improved{tag}", base
        )
    if base.source is Source.TYPED:
        # Typed numbers were never repeated: nothing shows that the change is noise, only
        # that no gain was reported. Unproven, logged as DISCARD.
        return _make(
            Verdict.INCONCLUSIVE,
            Rule.UNPROVEN,
            "neither latency nor throughput improved in the typed numbers (not measured "
            "here, so not shown to be noise): unproven, logged as DISCARD",
            base,
        )
    return _make(Verdict.DISCARD, Rule.NOISE, f"neither latency nor throughput improved{tag}", base)
