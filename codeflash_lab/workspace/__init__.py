"""The ``.codeflash/`` workspace of the project being optimized: files, log, lock."""

from __future__ import annotations

from codeflash_lab.workspace.handoff import (
    SECTIONS,
    append_to_section,
    ensure_handoff,
    read_section,
    update_section,
)
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.methodology import (
    Methodology,
    check_methodology,
    load_methodology,
    lock_methodology,
)
from codeflash_lab.workspace.results import (
    COLUMNS,
    Experiment,
    ResultsLog,
    append_experiment,
    ensure_results_file,
    format_change,
    parse_change,
    percent_change,
    read_results,
)
from codeflash_lab.workspace.runs import load_runs, save_run

__all__ = [
    "COLUMNS",
    "SECTIONS",
    "Experiment",
    "Methodology",
    "ResultsLog",
    "Workspace",
    "append_experiment",
    "append_to_section",
    "check_methodology",
    "ensure_handoff",
    "ensure_results_file",
    "format_change",
    "load_methodology",
    "load_runs",
    "lock_methodology",
    "parse_change",
    "percent_change",
    "read_results",
    "read_section",
    "save_run",
    "update_section",
]
