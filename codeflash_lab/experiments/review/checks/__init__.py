"""The review checks, one module per theme, and the registry that runs them in order."""

from __future__ import annotations

from collections.abc import Callable

from codeflash_lab.experiments.review.checks.check_asyncio_run import check_asyncio_run
from codeflash_lab.experiments.review.checks.check_behaviour import check_behaviour
from codeflash_lab.experiments.review.checks.check_claims import check_claims
from codeflash_lab.experiments.review.checks.check_config import check_config
from codeflash_lab.experiments.review.checks.check_duplication import check_duplication
from codeflash_lab.experiments.review.checks.check_resources import check_resources
from codeflash_lab.experiments.review.checks.check_scan import check_scan, scanner_available
from codeflash_lab.experiments.review.checks.check_suppression import check_suppression
from codeflash_lab.experiments.review.checks.check_tests import check_tests
from codeflash_lab.experiments.review.context import ReviewContext
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["CHECKS", "Check", "available_checks"]

Check = Callable[[ReviewContext], list[ReviewFinding]]

#: Check name -> function, in checklist order.
CHECKS: dict[str, Check] = {
    "asyncio-run": check_asyncio_run,
    "duplication": check_duplication,
    "resources": check_resources,
    "suppression": check_suppression,
    "claims": check_claims,
    "behaviour": check_behaviour,
    "tests": check_tests,
    "config": check_config,
    "scan": check_scan,
}


def available_checks() -> list[str]:
    """Names of the checks that can run here (``scan`` needs the scanner's ``scan_source``)."""
    return [name for name in CHECKS if name != "scan" or scanner_available()]
