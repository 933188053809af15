"""The ten-question reasoning checklist answered before writing an optimization (pure logic).

Questions 3-6 (gain, real concurrency, benchmark coverage, mechanism) gate implementation:
without concrete answers the change is a guess, and guesses are what the benchmark discards.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["QUESTIONS", "REQUIRED", "Question", "ReasoningChecklist", "is_concrete"]


@dataclass(frozen=True)
class Question:
    """One checklist question.

    Attributes:
        number: 1-10.
        key: a short identifier (used as the answer's key).
        title: two or three words.
        prompt: the question itself.
    """

    number: int
    key: str
    title: str
    prompt: str


QUESTIONS: tuple[Question, ...] = (
    Question(1, "pattern", "Pattern", "Which antipattern or missed concurrency is this (slug)?"),
    Question(
        2,
        "hot_path",
        "Hot path",
        "Is this code on a path that matters, and what evidence (debug mode, profile) says so?",
    ),
    Question(
        3,
        "expected_gain",
        "Expected gain",
        "What improvement do you expect, and from what arithmetic (e.g. N x latency -> max)?",
    ),
    Question(
        4,
        "concurrency",
        "Real concurrency",
        "How many of these operations are in flight at once in production?",
    ),
    Question(
        5,
        "exercised",
        "Exercised",
        "Does the benchmark drive this exact path at that concurrency?",
    ),
    Question(
        6,
        "mechanism",
        "Mechanism",
        "How, concretely, does the change cut latency or raise throughput?",
    ),
    Question(7, "api", "API check", "Which exact API and signature will you use (docs read)?"),
    Question(
        8,
        "production_safe",
        "Production safety",
        "Does it change error handling, connection-pool use or backpressure?",
    ),
    Question(
        9,
        "config_audit",
        "Config audit",
        "Which related settings become dead or inconsistent after the change?",
    ),
    Question(
        10,
        "verify_cheaply",
        "Cheap check",
        "Can a micro-benchmark test the idea before the full run?",
    ),
)
"""The ten questions, in order."""

REQUIRED: tuple[int, ...] = (3, 4, 5, 6)
"""Questions whose concrete answers unlock implementation."""

_VAGUE = {"", "?", "idk", "unknown", "dunno", "tbd", "todo", "n/a", "na", "none", "not sure", "-"}
_BY_KEY = {q.key: q for q in QUESTIONS}


def is_concrete(answer: str) -> bool:
    """True when ``answer`` says something: at least three words and not a placeholder."""
    text = " ".join(answer.split())
    return text.lower().strip(".!") not in _VAGUE and len(text.split()) >= 3


@dataclass(frozen=True)
class ReasoningChecklist:
    """Answers to the ten questions for one experiment.

    Attributes:
        answers: question key -> answer text (unknown keys are rejected).
    """

    answers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.answers) - set(_BY_KEY))
        if unknown:
            raise ValueError(f"answers: unknown question keys {unknown}; known: {sorted(_BY_KEY)}")
        object.__setattr__(self, "answers", {k: str(v) for k, v in self.answers.items()})

    def answer(self, number: int) -> str:
        """The answer to question ``number`` (``""`` when unanswered)."""
        return self.answers.get(QUESTIONS[number - 1].key, "")

    def with_answer(self, key: str, text: str) -> ReasoningChecklist:
        """A copy with one answer set."""
        return ReasoningChecklist({**self.answers, key: text})

    def missing(self) -> tuple[int, ...]:
        """Numbers of the required questions (3-6) still lacking a concrete answer."""
        return tuple(n for n in REQUIRED if not is_concrete(self.answer(n)))

    @property
    def ready_to_implement(self) -> bool:
        """True once questions 3-6 all have concrete answers."""
        return not self.missing()

    def blocking_reason(self) -> str:
        """Why implementation is blocked, in words (``""`` when it is not)."""
        missing = self.missing()
        if not missing:
            return ""
        names = ", ".join(f"{n} ({QUESTIONS[n - 1].title.lower()})" for n in missing)
        return f"answer question(s) {names} concretely before implementing"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict with the answers and the gate's state."""
        return {
            "answers": {q.key: self.answers.get(q.key, "") for q in QUESTIONS},
            "missing": list(self.missing()),
            "ready_to_implement": self.ready_to_implement,
        }

    def to_frame(self) -> Any:
        """One row per question (number, title, required, answer, concrete) as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "number": q.number,
                    "title": q.title,
                    "required": q.number in REQUIRED,
                    "answer": self.answers.get(q.key, ""),
                    "concrete": is_concrete(self.answers.get(q.key, "")),
                }
                for q in QUESTIONS
            ]
        ).set_index("number")

    def to_markdown(self) -> str:
        """The questions and answers as a Markdown list (for HANDOFF.md or a commit note)."""
        lines = []
        for q in QUESTIONS:
            text = " ".join(self.answers.get(q.key, "").split()) or "(unanswered)"
            lines.append(f"{q.number}. **{q.title}**: {text}")
        return "\n".join(lines)

    def __str__(self) -> str:
        state = "ready to implement" if self.ready_to_implement else self.blocking_reason()
        return f"{self.to_markdown()}\n-> {state}"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{q.number}</td><td>{html.escape(q.title)}</td>"
            f"<td>{html.escape(self.answers.get(q.key, ''))}</td></tr>"
            for q in QUESTIONS
        )
        state = "ready to implement" if self.ready_to_implement else self.blocking_reason()
        return f"<table>{rows}</table><p><b>{html.escape(state)}</b></p>"
