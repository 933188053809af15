"""The keep/discard decision tree for one experiment, as a pure function.

Changes are percents as results.tsv writes them: latency ``-63`` means 63%
faster, throughput ``+172`` means 172% more operations per second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "DISCARD",
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
NEEDS_CONFIRMATION = "NEEDS_CONFIRMATION"
VERDICTS: tuple[str, ...] = (KEEP, DISCARD, TRADEOFF, NEEDS_CONFIRMATION)

#: A change this large (in percent) is a clear win without further confirmation.
THRESHOLD_PCT = 10.0

# Percent values come from rounded divisions; a 1e-9 slack keeps "exactly 10%" on the KEEP side.
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict for one experiment and why.

    Attributes:
        verdict: one of :data:`VERDICTS`.
        reason: the rule that decided, in words.
        rule: a short identifier of that rule (``tests-failed``, ``latency``, ``throughput``,
            ``confirmed``, ``noise``, ``unconfirmed``, ``blocking-removed``, ``tradeoff``,
            ``no-improvement``).
    """

    verdict: str
    reason: str
    rule: str

    @property
    def status(self) -> str | None:
        """``KEEP``/``DISCARD`` for results.tsv, or ``None`` while a person must still decide."""
        return self.verdict if self.verdict in (KEEP, DISCARD) else None

    def to_dict(self) -> dict[str, Any]:
        """The decision as a plain dict (adds ``status``)."""
        return {**asdict(self), "status": self.status}

    def __str__(self) -> str:
        return f"{self.verdict}: {self.reason}"

    def _repr_html_(self) -> str:
        import html

        return f"<p><b>{html.escape(self.verdict)}</b>: {html.escape(self.reason)}</p>"


def _lat_name(p50: float | None, p99: float | None, value: float) -> str:
    return "p50 latency" if p50 == value or p99 is None else "p99 latency"


def _pct(value: float) -> str:
    return f"{abs(value):.1f}%".replace(".0%", "%")


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
) -> Decision:
    """Apply the keep/discard tree to one experiment.

    In order:

    1. any failing test: DISCARD (fix the change and measure again, or drop it);
    2. a blocking call removed, confirmed by asyncio debug mode: KEEP as a
       correctness fix, whatever the benchmark shows (low concurrency often hides it);
    3. one metric better by at least ``threshold_pct`` while the other is worse by
       at least ``threshold_pct``: TRADEOFF, a person decides;
    4. latency (p50 or p99) at least ``threshold_pct`` lower: KEEP;
    5. throughput at least ``threshold_pct`` higher: KEEP;
       but when the numbers come from a benchmark comparison whose statistics could
       not separate them from noise (``measured_verdict`` ``INCONCLUSIVE``), the win
       is settled by ``confirmed`` like a small one (else NEEDS_CONFIRMATION), and
       when its runs overlap (``DISCARD``) it is noise: DISCARD;
    6. a smaller improvement: KEEP when repeated runs ``confirmed`` it, DISCARD when
       they showed noise (``confirmed=False``), otherwise NEEDS_CONFIRMATION;
    7. nothing improved: DISCARD.

    Args:
        tests_failed: failing tests with the change applied (``None`` = not run, treated as 0).
        latency_change: p50 latency change in percent (negative is faster).
        p99_change: p99 latency change in percent (negative is faster).
        throughput_change: throughput change in percent (positive is more).
        confirmed: the answer of repeated runs for a small change (``None`` = not asked).
        blocking_removed: a blocking call is gone and debug mode no longer reports it.
        measured_verdict: the benchmark comparison's own verdict for these numbers
            (``KEEP``, ``DISCARD``, ``INCONCLUSIVE`` or ``TRADEOFF``), when they came from one.
        threshold_pct: the size of a clear win.

    Returns:
        The :class:`Decision`, with its reason in words.

    Raises:
        ValueError: ``threshold_pct`` is not positive, ``tests_failed`` is negative, or
            no number was given and neither tests nor a removed blocking call decide.
    """
    if threshold_pct <= 0:
        raise ValueError(f"threshold_pct: must be positive, got {threshold_pct}")
    if tests_failed is not None and tests_failed < 0:
        raise ValueError(f"tests_failed: must be 0 or more, got {tests_failed}")
    if tests_failed:
        return Decision(
            DISCARD,
            f"{tests_failed} test(s) failed with the change: fix it and measure again, or drop it",
            "tests-failed",
        )
    if blocking_removed:
        return Decision(
            KEEP,
            "a blocking call was removed and asyncio debug mode confirms it: a correctness fix, "
            "kept whatever the benchmark shows",
            "blocking-removed",
        )
    lat = [c for c in (latency_change, p99_change) if c is not None]
    if not lat and throughput_change is None:
        raise ValueError(
            "latency_change/p99_change/throughput_change: at least one measured change is needed"
        )
    t = threshold_pct - _EPS
    # A missing number counts as "no change": it can neither win nor lose.
    best_lat = min(lat, default=0.0)  # most negative = largest speed-up
    worst_lat = max(lat, default=0.0)
    thr = throughput_change if throughput_change is not None else 0.0
    lat_win, lat_loss = best_lat <= -t, worst_lat >= t
    thr_win, thr_loss = thr >= t, thr <= -t
    if (lat_win and thr_loss) or (thr_win and lat_loss):
        wins, losses = [], []
        if lat_win:
            wins.append(f"{_lat_name(latency_change, p99_change, best_lat)} {_pct(best_lat)} lower")
        if thr_win:
            wins.append(f"throughput {_pct(thr)} higher")
        if lat_loss:
            name = _lat_name(latency_change, p99_change, worst_lat)
            losses.append(f"{name} {_pct(worst_lat)} higher")
        if thr_loss:
            losses.append(f"throughput {_pct(thr)} lower")
        what = " and ".join(wins) + " but " + " and ".join(losses)
        return Decision(TRADEOFF, f"{what}: a tradeoff, decide which matters more", "tradeoff")
    measured = (measured_verdict or "").strip().upper()
    if (lat_win or thr_win) and measured in ("INCONCLUSIVE", "DISCARD"):
        won = (
            f"{_lat_name(latency_change, p99_change, best_lat)} {_pct(best_lat)} lower"
            if lat_win
            else f"throughput {_pct(thr)} higher"
        )
        if measured == "INCONCLUSIVE" and confirmed is True:
            return Decision(KEEP, f"{won}, confirmed by repeated runs", "confirmed")
        if measured == "INCONCLUSIVE" and confirmed is False:
            return Decision(DISCARD, f"{won} once, but repeated runs show it is noise", "noise")
        if measured == "INCONCLUSIVE":
            return Decision(
                NEEDS_CONFIRMATION,
                f"{won}, but the benchmark could not tell it from this machine's noise: "
                "measure again with longer runs or on a quieter machine",
                "unconfirmed",
            )
        return Decision(
            DISCARD,
            f"{won} in the medians, but the runs of the two sides overlap: noise",
            "noise",
        )
    if lat_win:
        which = "p50" if latency_change == best_lat else "p99"
        return Decision(
            KEEP,
            f"{which} latency {_pct(best_lat)} lower (at least {_pct(threshold_pct)})",
            "latency",
        )
    if thr_win:
        return Decision(
            KEEP,
            f"throughput {_pct(thr)} higher (at least {_pct(threshold_pct)})",
            "throughput",
        )
    if best_lat < 0 or thr > 0:
        parts = []
        if best_lat < 0:
            parts.append(f"latency {_pct(best_lat)} lower")
        if thr > 0:
            parts.append(f"throughput {_pct(thr)} higher")
        small = " and ".join(parts) + f", under {_pct(threshold_pct)}"
        if confirmed is True:
            return Decision(KEEP, f"{small}, confirmed by repeated runs", "confirmed")
        if confirmed is False:
            return Decision(DISCARD, f"{small}, and repeated runs show it is noise", "noise")
        return Decision(
            NEEDS_CONFIRMATION,
            f"{small}: re-run at least 3 times to tell a real gain from noise",
            "unconfirmed",
        )
    return Decision(DISCARD, "neither latency nor throughput improved", "no-improvement")
