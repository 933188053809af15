"""The ``.codeflash/`` workspace of the project being optimized: files, log, lock."""

from __future__ import annotations

from codeflash_lab.workspace.conventions import Conventions, load_conventions
from codeflash_lab.workspace.discovery import Discovery, discover
from codeflash_lab.workspace.handoff import (
    SECTIONS,
    append_to_section,
    ensure_handoff,
    read_section,
    update_section,
)
from codeflash_lab.workspace.initialize import InitResult, init_workspace
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.learnings import append_learning, read_learnings
from codeflash_lab.workspace.methodology import (
    Methodology,
    check_methodology,
    load_locks,
    load_methodology,
    lock_methodology,
    methodology_markdown,
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
from codeflash_lab.workspace.setup_md import read_setup_md

__all__ = [
    "COLUMNS",
    "SECTIONS",
    "Conventions",
    "Discovery",
    "Experiment",
    "InitResult",
    "Methodology",
    "ResultsLog",
    "Workspace",
    "append_experiment",
    "append_learning",
    "append_to_section",
    "check_methodology",
    "discover",
    "ensure_handoff",
    "ensure_results_file",
    "format_change",
    "init_workspace",
    "load_conventions",
    "load_locks",
    "load_methodology",
    "load_runs",
    "lock_methodology",
    "methodology_markdown",
    "parse_change",
    "percent_change",
    "read_learnings",
    "read_results",
    "read_section",
    "read_setup_md",
    "save_run",
    "update_section",
]
