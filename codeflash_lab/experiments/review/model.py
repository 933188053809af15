"""Review findings and the review result: one record per finding, several renderings."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from codeflash_lab.workspace.experiment_record import GuardRun

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHECKLIST",
    "CHECK_STATES",
    "PERSON_QUESTIONS",
    "SEVERITIES",
    "CheckOutcome",
    "ChecklistItem",
    "ReviewFinding",
    "ReviewResult",
]

#: Severities, most serious first. Only ``error`` makes ``codeflash-lab review`` exit 1.
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

#: The pre-submit checklist: check name -> what a reviewer asks. Order is the checklist's.
CHECKLIST: dict[str, str] = {
    "asyncio-run": "No asyncio.run()/run_until_complete() reachable from a running loop",
    "duplication": "No async twin of a sync function left to drift",
    "resources": "Every resource created in the change has an owner and guaranteed cleanup",
    "suppression": "No exception swallowed without a log or a re-raise",
    "claims": "Every KEEP in results.tsv matches a saved measurement and an existing commit",
    "behaviour": "Behaviour changes (ordering, error types, messages) confirmed by a person",
    "tests": "Changed async code is run on an event loop by the tests",
    "config": "No setting left dead or inconsistent by the change",
    "scan": "The scanner finds nothing on the changed lines",
}

#: Items no check can settle: a person answers the question, so the box stays unticked.
PERSON_QUESTIONS: dict[str, str] = {
    "behaviour": (
        "Do callers still see the same result order, exception types and messages? "
        "Read the changed functions and answer before ticking"
    ),
}

#: How a check ended: it ran; it ran and had nothing to check (N/A); it did not run.
CHECK_STATES: tuple[str, ...] = ("ran", "n/a", "skipped")


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """How one check of a review ended, apart from its findings.

    Attributes:
        check: the check's name (a key of :data:`CHECKLIST`).
        state: ``"ran"``, ``"n/a"`` (it ran with nothing to check) or ``"skipped"``.
        reason: why N/A or skipped, or what it ran on.
        guard: the project's test command run by the check, when one ran.
    """

    check: str
    state: str = "ran"
    reason: str = ""
    guard: GuardRun | None = None

    def __post_init__(self) -> None:
        if self.state not in CHECK_STATES:
            raise ValueError(f"state: expected one of {CHECK_STATES}, got {self.state!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "check": self.check,
            "state": self.state,
            "reason": self.reason,
            "guard": None if self.guard is None else self.guard.to_dict(),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CheckOutcome:
        """Inverse of :meth:`to_dict`."""
        guard = doc.get("guard")
        return cls(
            check=str(doc["check"]),
            state=str(doc.get("state") or "ran"),
            reason=str(doc.get("reason") or ""),
            guard=GuardRun.from_dict(guard) if isinstance(guard, dict) else None,
        )


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One line of the PR checklist.

    Attributes:
        name: the check's name.
        question: what the item asks (:data:`CHECKLIST`).
        state: ``pass``, ``fail``, ``warn``, ``confirm``, ``n/a`` or ``not run``.
        note: the evidence (a guard's command, counts and time) or why the box is open.
    """

    name: str
    question: str
    state: str
    note: str = ""

    @property
    def ticked(self) -> bool:
        """Only a check that ran and passed ticks its box."""
        return self.state == "pass"

    def markdown(self) -> str:
        """``- [x] question (name: pass; evidence)``."""
        shown = "N/A" if self.state == "n/a" else self.state
        tail = f"; {self.note}" if self.note else ""
        return f"- [{'x' if self.ticked else ' '}] {self.question} ({self.name}: {shown}{tail})"


@dataclass(frozen=True, slots=True)
class ReviewFinding:
    """One problem the review found in the diff.

    Attributes:
        check: the check that produced it (a key of :data:`CHECKLIST`).
        severity: ``"error"``, ``"warning"`` or ``"info"``.
        path: file path relative to the repository root.
        line: 1-based line in the file at the reviewed head (0 when not tied to a line).
        message: what was found, in one sentence.
        why: why it matters (what goes wrong, e.g. under 50 concurrent requests).
    """

    check: str
    severity: str
    path: str
    line: int
    message: str
    why: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity: expected one of {SEVERITIES}, got {self.severity!r}")
        if self.line < 0:
            raise ValueError(f"line: must be >= 0, got {self.line}")

    @property
    def location(self) -> str:
        """``path:line`` (or just ``path`` when there is no line)."""
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_dict(self) -> dict[str, Any]:
        """A plain dict with the six fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReviewFinding:
        """Rebuild a finding from :meth:`to_dict` output (extra keys are ignored)."""
        return cls(
            check=str(data["check"]),
            severity=str(data["severity"]),
            path=str(data.get("path", "")),
            line=int(data.get("line") or 0),
            message=str(data.get("message", "")),
            why=str(data.get("why", "")),
        )

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: [{self.check}] {self.message}"


def _sort_key(f: ReviewFinding) -> tuple[int, str, int, str]:
    return (SEVERITIES.index(f.severity), f.path, f.line, f.check)


@dataclass(frozen=True)
class ReviewResult:
    """The outcome of a pre-submit review of ``base..head``.

    Attributes:
        base: the base revision as given (or the merge-base that was found).
        head: the reviewed head revision as given.
        base_sha: full SHA of the base.
        head_sha: full SHA of the head.
        files: changed files (relative to the repository root).
        findings: every finding, most serious first.
        checks_run: names of the checks that were started.
        outcomes: how each started check ended (ran, N/A with a reason, skipped); a
            review saved before outcomes were recorded has none.
    """

    base: str
    head: str
    base_sha: str
    head_sha: str
    files: tuple[str, ...]
    findings: tuple[ReviewFinding, ...]
    checks_run: tuple[str, ...] = field(default=tuple(CHECKLIST))
    outcomes: tuple[CheckOutcome, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(sorted(self.findings, key=_sort_key)))

    @property
    def has_errors(self) -> bool:
        """True when at least one error-level finding is open."""
        return any(f.severity == "error" for f in self.findings)

    @property
    def exit_code(self) -> int:
        """1 when an error-level finding is open, else 0 (the CLI's exit code)."""
        return 1 if self.has_errors else 0

    def counts(self) -> dict[str, int]:
        """Number of findings per severity (every severity present, zero included)."""
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def by_check(self) -> dict[str, tuple[ReviewFinding, ...]]:
        """Findings grouped by check, in checklist order (checks with none are left out)."""
        out: dict[str, list[ReviewFinding]] = {}
        for f in self.findings:
            out.setdefault(f.check, []).append(f)
        order = [*CHECKLIST, *sorted(set(out) - set(CHECKLIST))]
        return {k: tuple(out[k]) for k in order if k in out}

    def outcome(self, name: str) -> CheckOutcome | None:
        """How check ``name`` ended (``None`` when it was not started or not recorded)."""
        return next((o for o in self.outcomes if o.check == name), None)

    def checklist_items(self, paths: set[str] | None = None) -> list[ChecklistItem]:
        """Every checklist item with its state and the note that explains it.

        A box is ticked only for a check that ran and passed. ``n/a``: the check ran
        with nothing to check. ``not run``: it was not started or was skipped (the
        note says why). ``confirm``: a person must answer (behaviour always; tests
        when no guard run with counts backs them).

        Args:
            paths: when given, only findings in these files (and those tied to no
                source file, such as results.tsv claims) count.
        """
        items = []
        for name, question in CHECKLIST.items():
            found = [
                f
                for f in self.findings
                if f.check == name and (paths is None or f.path in paths or _global(f))
            ]
            state, note = self._state(name, found)
            items.append(ChecklistItem(name, question, state, note))
        return items

    def _state(self, name: str, found: list[ReviewFinding]) -> tuple[str, str]:
        if name not in self.checks_run:
            return "not run", "not part of this review"
        outcome = self.outcome(name)
        if outcome is not None and outcome.state == "skipped":
            return "not run", outcome.reason or "skipped"
        if any(f.severity == "error" for f in found):
            return "fail", ""
        if any(f.severity == "warning" for f in found):
            return "warn", ""
        if name in PERSON_QUESTIONS:
            return "confirm", PERSON_QUESTIONS[name]
        if outcome is not None and outcome.state == "n/a":
            return "n/a", outcome.reason
        if found:
            return "confirm", ""
        if name == "tests":
            guard = outcome.guard if outcome is not None else None
            if guard is None:
                return "confirm", "no guard run with test counts backs this; run the tests"
            if not guard.ok:
                return "fail", guard.summary()
            return "pass", guard.summary()
        return "pass", outcome.reason if outcome is not None else ""

    def checklist(self, paths: set[str] | None = None) -> dict[str, str]:
        """State of each item (see :meth:`checklist_items`): name -> state."""
        return {i.name: i.state for i in self.checklist_items(paths)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: range, files, counts and the findings."""
        return {
            "base": self.base,
            "head": self.head,
            "base_sha": self.base_sha,
            "head_sha": self.head_sha,
            "files": list(self.files),
            "checks_run": list(self.checks_run),
            "outcomes": [o.to_dict() for o in self.outcomes],
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per finding with the six finding fields as columns."""
        import pandas as pd

        columns = ["check", "severity", "path", "line", "message", "why"]
        return pd.DataFrame([f.to_dict() for f in self.findings], columns=columns)

    def to_text(self) -> str:
        """Human text: one line per finding with its why, then a summary line."""
        lines = [
            f"review {self.base_sha[:10]}..{self.head_sha[:10]}: {len(self.files)} file(s) changed"
        ]
        for f in self.findings:
            lines.append(str(f))
            if f.why:
                lines.append(f"    why: {f.why}")
        c = self.counts()
        lines.append(f"{c['error']} error(s), {c['warning']} warning(s), {c['info']} to confirm")
        lines += self._outcome_lines()
        return "\n".join(lines)

    def _outcome_lines(self) -> list[str]:
        """``N/A: tests (no async def body changed)`` / ``skipped: ...`` lines."""
        out = []
        for o in self.outcomes:
            if o.state != "ran":
                label = "N/A" if o.state == "n/a" else o.state
                out.append(f"{label}: {o.check} ({o.reason or 'no reason given'})")
            elif o.guard is not None:
                out.append(f"{o.check}: {o.guard.summary()}")
        return out

    def to_markdown(self) -> str:
        """Markdown body for HANDOFF.md's "Pre-submit review findings" section."""
        c = self.counts()
        head = (
            f"Reviewed `{self.base_sha[:10]}..{self.head_sha[:10]}` "
            f"({len(self.files)} file(s)): {c['error']} error(s), {c['warning']} warning(s), "
            f"{c['info']} to confirm."
        )
        ran = "".join(f"\n- {line}" for line in self._outcome_lines())
        if not self.findings:
            return head + "\n\nNo open findings." + (f"\n{ran}" if ran else "")
        items = [head, ""]
        for f in self.findings:
            items.append(f"- **{f.severity}** `{f.location}` [{f.check}] {f.message}")
        return "\n".join(items) + ran

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        c = self.counts()
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (f.severity, f.check, f.location, f.message, f.why)
            )
            + "</tr>"
            for f in self.findings
        )
        summary = (
            f"<p><b>Pre-submit review</b> <code>{html.escape(self.base_sha[:10])}.."
            f"{html.escape(self.head_sha[:10])}</code>: {len(self.files)} file(s), "
            f"{c['error']} error(s), {c['warning']} warning(s), {c['info']} to confirm</p>"
        )
        if not rows:
            return summary + "<p>No open findings.</p>"
        header = "".join(f"<th>{h}</th>" for h in ("severity", "check", "where", "finding", "why"))
        return f"{summary}<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"


def _global(f: ReviewFinding) -> bool:
    return f.path == "" or f.path.endswith("results.tsv") or f.path.endswith("setup.md")
