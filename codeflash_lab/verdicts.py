"""The decision vocabulary: one verdict, the rule that decided it, and its evidence.

Every layer speaks these words: ``bench`` (compare), ``experiments`` (ledger, review),
``report`` and the CLI. Nothing here measures or reads files; it only names things.

The rules, in order of precedence (a higher rule wins over a lower one)::

    tests-failed      DISCARD       the guard's tests failed with the change
    errors            DISCARD       B fails a larger share of its operations than A
    blocking-removed  KEEP          debug mode saw the loop blocked at the fixed call
                                    and no longer does
    tradeoff          TRADEOFF      one metric better and another worse: a person settles it
    threshold         KEEP          a gain of at least the threshold (10 %) the runs support
    confirmed         KEEP          a smaller gain (at least the floor, 3 %) the runs support
    regression        DISCARD       worse by the threshold, and the runs support it
    noise             DISCARD       the runs rule out a gain as large as the floor
    unproven          INCONCLUSIVE  the budget ran out before the runs could decide
    person            KEEP/DISCARD  a person chose the status (shown as asserted)

``INCONCLUSIVE`` is never "noise": a ledger records it as DISCARD under the rule
``unproven``, and says so.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "FLOOR_PCT",
    "THRESHOLD_PCT",
    "Evidence",
    "Rule",
    "Ruling",
    "Source",
    "Verdict",
    "highest",
]

#: A gain this large (percent) is a KEEP without a second question.
THRESHOLD_PCT = 10.0
#: The smallest gain worth keeping when repeated runs confirm it (percent).
FLOOR_PCT = 3.0


class Verdict(StrEnum):
    """What to do with the change."""

    KEEP = "KEEP"
    DISCARD = "DISCARD"
    TRADEOFF = "TRADEOFF"
    INCONCLUSIVE = "INCONCLUSIVE"

    @property
    def status(self) -> str | None:
        """The results.tsv status: KEEP/DISCARD; INCONCLUSIVE is logged as DISCARD; a
        TRADEOFF has none until a person settles it."""
        if self is Verdict.TRADEOFF:
            return None
        return "KEEP" if self is Verdict.KEEP else "DISCARD"


class Rule(StrEnum):
    """The rule that decided, declared in order of precedence (first wins)."""

    TESTS_FAILED = "tests-failed"
    ERRORS = "errors"
    BLOCKING_REMOVED = "blocking-removed"
    TRADEOFF = "tradeoff"
    THRESHOLD = "threshold"
    CONFIRMED = "confirmed"
    REGRESSION = "regression"
    NOISE = "noise"
    UNPROVEN = "unproven"
    PERSON = "person"

    @property
    def rank(self) -> int:
        """0 for the highest rule."""
        return list(Rule).index(self)

    @property
    def verdict(self) -> Verdict | None:
        """The verdict this rule gives (``None`` for ``person``: whatever was chosen)."""
        return _RULE_VERDICT.get(self)


_RULE_VERDICT: dict[Rule, Verdict] = {
    Rule.TESTS_FAILED: Verdict.DISCARD,
    Rule.ERRORS: Verdict.DISCARD,
    Rule.BLOCKING_REMOVED: Verdict.KEEP,
    Rule.TRADEOFF: Verdict.TRADEOFF,
    Rule.THRESHOLD: Verdict.KEEP,
    Rule.CONFIRMED: Verdict.KEEP,
    Rule.REGRESSION: Verdict.DISCARD,
    Rule.NOISE: Verdict.DISCARD,
    Rule.UNPROVEN: Verdict.INCONCLUSIVE,
}


class Source(StrEnum):
    """Where the numbers behind a ruling come from."""

    MEASURED = "measured"  # a saved compare or guard run backs them
    TYPED = "typed"  # a person typed them: shown as typed, not measured
    ASSERTED = "asserted"  # a person stated the outcome (--confirmed, --status) without a run


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a ruling rests on.

    Attributes:
        source: measured, typed or asserted.
        ref: where to look (a ``.codeflash/runs/`` file, a sidecar id, a debug capture),
            or ``None`` for typed and asserted numbers.
        summary: one short line a reader can check (``"p50 CI of gain 12-31 % after 6
            rounds"``).
        facts: the numbers that decided, JSON-ready.
    """

    source: Source = Source.MEASURED
    ref: str | None = None
    summary: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "source": str(self.source),
            "ref": self.ref,
            "summary": self.summary,
            "facts": dict(self.facts),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any] | None) -> Evidence:
        """Inverse of :meth:`to_dict` (unknown or missing fields take defaults)."""
        doc = doc or {}
        try:
            source = Source(str(doc.get("source", Source.MEASURED)))
        except ValueError:
            source = Source.ASSERTED
        return cls(
            source=source,
            ref=doc.get("ref"),
            summary=str(doc.get("summary") or ""),
            facts=dict(doc.get("facts") or {}),
        )

    def label(self) -> str:
        """``measured (runs/compare-....json)``, ``typed, not measured`` or ``asserted``."""
        if self.source is Source.TYPED:
            return "typed, not measured"
        if self.source is Source.ASSERTED:
            return "asserted by a person, not measured"
        return f"measured ({self.ref})" if self.ref else "measured"


@dataclass(frozen=True, slots=True)
class Ruling:
    """A verdict, the rule that decided it, why in words, and the evidence.

    Attributes:
        verdict: KEEP, DISCARD, TRADEOFF or INCONCLUSIVE.
        rule: the rule that decided.
        reason: why, in words (one line, numbers included).
        evidence: what it rests on.
    """

    verdict: Verdict
    rule: Rule
    reason: str
    evidence: Evidence = field(default_factory=Evidence)

    def __post_init__(self) -> None:
        expected = self.rule.verdict
        if expected is not None and expected is not self.verdict:
            raise ValueError(f"rule {self.rule}: gives {expected}, not {self.verdict}")
        if self.rule is Rule.PERSON and self.verdict not in (Verdict.KEEP, Verdict.DISCARD):
            raise ValueError(f"rule person: a person chooses KEEP or DISCARD, not {self.verdict}")

    @property
    def status(self) -> str | None:
        """The results.tsv status (see :attr:`Verdict.status`)."""
        return self.verdict.status

    def with_evidence(self, evidence: Evidence) -> Ruling:
        """The same ruling resting on other evidence."""
        return replace(self, evidence=evidence)

    def line(self) -> str:
        """``KEEP [threshold]: reason — evidence: measured (runs/...)``: what every printed
        verdict line says."""
        tail = f" — evidence: {self.evidence.label()}"
        if self.evidence.summary:
            tail += f"; {self.evidence.summary}"
        return f"{self.verdict} [{self.rule}]: {self.reason}{tail}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (adds ``status``)."""
        return {
            "verdict": str(self.verdict),
            "rule": str(self.rule),
            "reason": self.reason,
            "status": self.status,
            "evidence": self.evidence.to_dict(),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Ruling:
        """Inverse of :meth:`to_dict`.

        Raises:
            ValueError: an unknown verdict or rule, or a rule that cannot give that verdict.
        """
        try:
            verdict = Verdict(str(doc["verdict"]).upper())
            rule = Rule(str(doc["rule"]))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"not a ruling: {exc}") from None
        return cls(
            verdict, rule, str(doc.get("reason") or ""), Evidence.from_dict(doc.get("evidence"))
        )

    def __str__(self) -> str:
        return self.line()

    def _repr_html_(self) -> str:
        return (
            f"<p><b>{html.escape(str(self.verdict))}</b> "
            f"<code>{html.escape(str(self.rule))}</code>: {html.escape(self.reason)} "
            f"<i>({html.escape(self.evidence.label())})</i></p>"
        )


def highest(*rulings: Ruling | None) -> Ruling | None:
    """The ruling whose rule ranks highest (``None`` when all are ``None``).

    A person's choice never outranks a measured rule here: callers that let a person
    override say so themselves.
    """
    present = [r for r in rulings if r is not None]
    return min(present, key=lambda r: r.rule.rank) if present else None
