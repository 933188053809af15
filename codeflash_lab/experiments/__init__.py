"""The experiment ledger: decision rules, plateau detection, git operations, review."""

from __future__ import annotations

from codeflash_lab.experiments import flow as experiment_flow
from codeflash_lab.experiments.compare_input import CompareNumbers, load_compare
from codeflash_lab.experiments.decision import (
    DISCARD,
    KEEP,
    NEEDS_CONFIRMATION,
    TRADEOFF,
    Decision,
    decide,
)
from codeflash_lab.experiments.flow import finish as finish_experiment
from codeflash_lab.experiments.flow import run_experiment
from codeflash_lab.experiments.flow import start as start_experiment
from codeflash_lab.experiments.gitops import (
    HistorySummary,
    commit_keep,
    ensure_branch,
    history_summary,
    tag_milestone,
)
from codeflash_lab.experiments.guard import run_guard
from codeflash_lab.experiments.handoff_sync import refresh_handoff
from codeflash_lab.experiments.ledger import (
    RecordResult,
    read_ledger,
    record_experiment,
    workspace_history,
    workspace_status,
)
from codeflash_lab.experiments.plateau import STUCK_CHECKLIST, LedgerStatus, ledger_status
from codeflash_lab.experiments.progress import (
    baseline_line,
    benchmarking_line,
    implementing_line,
    plateau_line,
    result_line,
    summary_line,
    target_line,
)

__all__ = [
    "DISCARD",
    "KEEP",
    "NEEDS_CONFIRMATION",
    "STUCK_CHECKLIST",
    "TRADEOFF",
    "CompareNumbers",
    "Decision",
    "HistorySummary",
    "LedgerStatus",
    "RecordResult",
    "baseline_line",
    "benchmarking_line",
    "commit_keep",
    "decide",
    "ensure_branch",
    "experiment_flow",
    "finish_experiment",
    "history_summary",
    "implementing_line",
    "ledger_status",
    "load_compare",
    "plateau_line",
    "read_ledger",
    "record_experiment",
    "refresh_handoff",
    "result_line",
    "run_experiment",
    "run_guard",
    "start_experiment",
    "summary_line",
    "tag_milestone",
    "target_line",
    "workspace_history",
    "workspace_status",
]
