"""Notebook-side helpers: presets and parameters, the headless notebook runner, CLI runs
from a kernel, target ranking, and the reasoning-checklist form."""

from __future__ import annotations

from codeflash_lab.lab.checklist import (
    QUESTIONS,
    REQUIRED,
    Question,
    ReasoningChecklist,
    is_concrete,
)
from codeflash_lab.lab.cli import CliRun, codeflash
from codeflash_lab.lab.forms import ChecklistForm, checklist_form
from codeflash_lab.lab.measure import bench_config, bench_options, lock_baseline, measurable
from codeflash_lab.lab.params import FULL, QUICK, Preset, preset
from codeflash_lab.lab.ranking import category_table, rank_findings
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
    "CliRun",
    "NotebookRun",
    "Preset",
    "Question",
    "ReasoningChecklist",
    "bench_config",
    "bench_options",
    "category_table",
    "checklist_form",
    "codeflash",
    "inject_parameters",
    "is_concrete",
    "lock_baseline",
    "measurable",
    "preset",
    "rank_findings",
    "run_notebook",
    "strip_ansi",
]
