"""The reasoning checklist's gate: questions 3-6 unlock implementation."""

from __future__ import annotations

import pytest

from codeflash_lab.lab import QUESTIONS, REQUIRED, ReasoningChecklist, is_concrete

GOOD = {
    "expected_gain": "3 calls of 20 ms become one 20 ms wait, about 3x",
    "concurrency": "about 50 requests in flight at peak",
    "exercised": "the benchmark hits /process at concurrency 8",
    "mechanism": "the three upstream calls overlap instead of queueing",
}


def test_ten_questions_with_unique_keys() -> None:
    assert [q.number for q in QUESTIONS] == list(range(1, 11))
    assert len({q.key for q in QUESTIONS}) == 10
    assert REQUIRED == (3, 4, 5, 6)


def test_placeholders_and_one_word_answers_are_not_concrete() -> None:
    for vague in ("", "?", "TBD", "unknown", "faster", "n/a"):
        assert not is_concrete(vague)
    assert is_concrete("N x 20 ms becomes 20 ms")


def test_gate_opens_only_when_3_to_6_are_concrete() -> None:
    empty = ReasoningChecklist()
    assert empty.missing() == (3, 4, 5, 6)
    assert not empty.ready_to_implement
    assert "3 (expected gain)" in empty.blocking_reason()
    partial = ReasoningChecklist({**GOOD, "mechanism": "tbd"})
    assert partial.missing() == (6,)
    full = ReasoningChecklist(GOOD)
    assert full.ready_to_implement
    assert full.blocking_reason() == ""
    assert full.with_answer("concurrency", "?").missing() == (4,)


def test_renders_every_question() -> None:
    c = ReasoningChecklist(GOOD)
    md = c.to_markdown()
    assert md.count("\n") == 9
    assert "1. **Pattern**: (unanswered)" in md
    assert c.to_dict()["ready_to_implement"] is True
    frame = c.to_frame()
    assert list(frame.index) == list(range(1, 11))
    assert frame.loc[3:6, "concrete"].all()
    assert not frame.loc[1, "concrete"]
    assert "ready to implement" in str(c)
    assert "&lt;b&gt;" in ReasoningChecklist({"pattern": "<b>"})._repr_html_()


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="answers"):
        ReasoningChecklist({"speed": "fast"})
