"""The package-level ``review``: review the diff, then record it where the report finds it.

``codeflash_lab.review`` is this function: :func:`~codeflash_lab.experiments.review.review`
followed by :func:`~codeflash_lab.experiments.review.record_review` when the project has
a ``.codeflash/`` folder (as the CLI's ``review`` does), so a report built afterwards
shows the review and HANDOFF.md lists its findings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from codeflash_lab.experiments.review.model import ReviewResult
from codeflash_lab.experiments.review.runner import record_review
from codeflash_lab.experiments.review.runner import review as _review
from codeflash_lab.workspace.layout import Workspace

__all__ = ["review"]


def review(
    project: str | os.PathLike[str] = ".", *, save: bool = True, **options: Any
) -> ReviewResult:
    """Review ``base..head`` of the project (see :func:`~codeflash_lab.experiments.review.review`
    for ``options``) and record the result.

    Args:
        project: the project folder.
        save: record the review (``.codeflash/runs/`` and HANDOFF.md) when the project
            has a ``.codeflash/`` folder.
        **options: ``base``, ``head``, ``checks``, ``run_tests``, ``test_timeout_s``.

    Returns:
        The review result.
    """
    result = _review(project, **options)
    if save and Workspace(Path(project)).exists():
        record_review(result, project)
    return result
