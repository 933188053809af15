"""The checklist form: "Implement" stays disabled until questions 3-6 are answered."""

from __future__ import annotations

import pytest

from codeflash_lab.lab import ReasoningChecklist, checklist_form

ANSWERS = {
    "expected_gain": "3 calls of 20 ms become one 20 ms wait",
    "concurrency": "about 50 requests in flight",
    "exercised": "the benchmark drives /process at concurrency 8",
}


def test_button_unlocks_when_the_last_required_answer_is_typed() -> None:
    seen: list[ReasoningChecklist] = []
    form = checklist_form(ANSWERS, on_implement=seen.append)
    assert form.button.disabled
    assert "6 (mechanism)" in form.status.value
    with pytest.raises(ValueError, match="checklist"):
        form.implement()
    form.button.click()  # a click on the disabled button does nothing
    assert not seen
    form.set_answer("mechanism", "the upstream calls overlap instead of queueing")
    assert not form.button.disabled
    form.button.click()
    assert form.implemented
    assert len(seen) == 1
    assert seen[0].ready_to_implement
    assert "Go ahead" in form.status.value


def test_clearing_an_answer_locks_it_again() -> None:
    form = checklist_form({**ANSWERS, "mechanism": "calls overlap in time now"})
    assert form.ready_to_implement
    form.set_answer("concurrency", "")
    assert form.button.disabled
    with pytest.raises(ValueError, match="key"):
        form.set_answer("nope", "x")
    assert "text/plain" in form._repr_mimebundle_()
