"""The reasoning checklist as an ipywidgets form whose "Implement" button waits for 3-6."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from codeflash_lab.lab.checklist import QUESTIONS, REQUIRED, ReasoningChecklist

__all__ = ["ChecklistForm", "checklist_form"]


class ChecklistForm:
    """A form with one text box per question and an "Implement" button.

    The button stays disabled, and a status line says which questions are missing, until
    questions 3-6 have concrete answers. Display it by leaving it last in a cell.

    Args:
        answers: initial answers by question key (e.g. written in the notebook beforehand).
        on_implement: called with the checklist when the enabled button is clicked.
    """

    def __init__(
        self,
        answers: Mapping[str, str] | None = None,
        on_implement: Callable[[ReasoningChecklist], None] | None = None,
    ) -> None:
        import ipywidgets as widgets

        start = ReasoningChecklist(dict(answers or {}))
        self._on_implement = on_implement
        self.implemented = False
        self.boxes: dict[str, Any] = {}
        rows = []
        for q in QUESTIONS:
            mark = " *" if q.number in REQUIRED else ""
            box = widgets.Textarea(
                value=start.answers.get(q.key, ""),
                placeholder=q.prompt,
                description=f"{q.number}. {q.title}{mark}",
                style={"description_width": "12em"},
                layout=widgets.Layout(width="95%", height="3.2em"),
            )
            box.observe(self._refresh, names="value")
            self.boxes[q.key] = box
            rows.append(box)
        self.status = widgets.HTML()
        self.button = widgets.Button(description="Implement", icon="check", button_style="success")
        self.button.on_click(self._clicked)
        self.widget = widgets.VBox([*rows, widgets.HBox([self.button, self.status])])
        self._refresh()

    @property
    def checklist(self) -> ReasoningChecklist:
        """The answers currently in the form."""
        return ReasoningChecklist({k: box.value for k, box in self.boxes.items() if box.value})

    @property
    def ready_to_implement(self) -> bool:
        """True once questions 3-6 have concrete answers (the button is enabled)."""
        return self.checklist.ready_to_implement

    def set_answer(self, key: str, text: str) -> None:
        """Fill one question's box (as typing would).

        Raises:
            ValueError: ``key`` names no question.
        """
        if key not in self.boxes:
            raise ValueError(f"key: no question {key!r}; known: {sorted(self.boxes)}")
        self.boxes[key].value = text

    def implement(self) -> ReasoningChecklist:
        """Press "Implement" from code.

        Returns:
            The answered checklist.

        Raises:
            ValueError: questions 3-6 are not all answered concretely (the reason says which).
        """
        checklist = self.checklist
        if not checklist.ready_to_implement:
            raise ValueError(f"checklist: {checklist.blocking_reason()}")
        self.implemented = True
        self._refresh()
        if self._on_implement is not None:
            self._on_implement(checklist)
        return checklist

    def _clicked(self, _button: Any) -> None:
        if self.ready_to_implement:
            self.implement()

    def _refresh(self, _change: Any = None) -> None:
        checklist = self.checklist
        self.button.disabled = not checklist.ready_to_implement
        if self.implemented:
            self.status.value = "<b>Go ahead:</b> implement the change, then measure it."
        elif checklist.ready_to_implement:
            self.status.value = "Questions 3-6 answered: <b>Implement</b> is unlocked."
        else:
            self.status.value = f"Blocked: {checklist.blocking_reason()}."

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"ChecklistForm({self.checklist})"


def checklist_form(
    answers: Mapping[str, str] | None = None,
    on_implement: Callable[[ReasoningChecklist], None] | None = None,
) -> ChecklistForm:
    """Build the reasoning-checklist form (see :class:`ChecklistForm`)."""
    return ChecklistForm(answers, on_implement)
