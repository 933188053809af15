"""The ``.codeflash/`` workspace of the project being optimized: files, log, lock."""

from __future__ import annotations

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
    "Experiment",
    "Methodology",
    "ResultsLog",
    "Workspace",
    "append_experiment",
    "check_methodology",
    "ensure_results_file",
    "format_change",
    "load_methodology",
    "load_runs",
    "lock_methodology",
    "parse_change",
    "percent_change",
    "read_results",
    "save_run",
]
