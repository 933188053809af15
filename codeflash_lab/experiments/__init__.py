"""The experiment ledger: decision rules, plateau detection, git operations, review."""

from __future__ import annotations

from codeflash_lab.experiments.decision import (
    DISCARD,
    KEEP,
    NEEDS_CONFIRMATION,
    TRADEOFF,
    Decision,
    decide,
)
from codeflash_lab.experiments.gitops import (
    HistorySummary,
    commit_keep,
    ensure_branch,
    history_summary,
    tag_milestone,
)
from codeflash_lab.experiments.plateau import STUCK_CHECKLIST, LedgerStatus, ledger_status

__all__ = [
    "DISCARD",
    "KEEP",
    "NEEDS_CONFIRMATION",
    "STUCK_CHECKLIST",
    "TRADEOFF",
    "Decision",
    "HistorySummary",
    "LedgerStatus",
    "commit_keep",
    "decide",
    "ensure_branch",
    "history_summary",
    "ledger_status",
    "tag_milestone",
]
