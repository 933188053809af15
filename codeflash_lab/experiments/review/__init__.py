"""Pre-submit review of the whole optimization diff, and PR preparation from the keeps."""

from __future__ import annotations

from codeflash_lab.experiments.review.checks import CHECKS, available_checks
from codeflash_lab.experiments.review.diff import (
    OPTIMIZE_BRANCH,
    ChangedFile,
    DiffRange,
    load_diff,
)
from codeflash_lab.experiments.review.model import (
    CHECKLIST,
    SEVERITIES,
    ChecklistItem,
    CheckOutcome,
    ReviewFinding,
    ReviewResult,
)
from codeflash_lab.experiments.review.prepare import PreparedPr, PrPreparation, prepare_prs
from codeflash_lab.experiments.review.prs import PrGroup, PrPlan, create_branches, plan_prs
from codeflash_lab.experiments.review.runner import (
    HANDOFF_SECTION,
    last_review,
    record_review,
    review,
)

__all__ = [
    "CHECKLIST",
    "CHECKS",
    "HANDOFF_SECTION",
    "OPTIMIZE_BRANCH",
    "SEVERITIES",
    "ChangedFile",
    "CheckOutcome",
    "ChecklistItem",
    "DiffRange",
    "PrGroup",
    "PrPlan",
    "PrPreparation",
    "PreparedPr",
    "ReviewFinding",
    "ReviewResult",
    "available_checks",
    "create_branches",
    "last_review",
    "load_diff",
    "plan_prs",
    "prepare_prs",
    "record_review",
    "review",
]
