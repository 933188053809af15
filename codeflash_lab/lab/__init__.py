"""Notebook-side helpers: parameters and the QUICK preset, and a headless notebook runner."""

from __future__ import annotations

from codeflash_lab.lab.checklist import (
    QUESTIONS,
    REQUIRED,
    Question,
    ReasoningChecklist,
    is_concrete,
)
from codeflash_lab.lab.forms import ChecklistForm, checklist_form
from codeflash_lab.lab.params import FULL, QUICK, Preset, preset
from codeflash_lab.lab.runner import (
    DEFAULT_TIMEOUT_S,
    PARAMETERS_TAG,
    CellRun,
    NotebookRun,
    inject_parameters,
    run_notebook,
    strip_ansi,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "FULL",
    "PARAMETERS_TAG",
    "QUESTIONS",
    "QUICK",
    "REQUIRED",
    "CellRun",
    "ChecklistForm",
    "NotebookRun",
    "Preset",
    "Question",
    "ReasoningChecklist",
    "checklist_form",
    "inject_parameters",
    "is_concrete",
    "preset",
    "run_notebook",
    "strip_ansi",
]
