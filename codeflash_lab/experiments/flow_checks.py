"""The experiment flow's checks: does what an earlier step saved still describe the code?

A guard run is stale once the code's :func:`~codeflash_lab.experiments.flow_state.fingerprint`
moved on since it ran. A saved compare is stale when it measured a commit while the
change is still uncommitted, or when it measured the working tree (``WORKTREE``) and the
tree has changed since. The saved compare is read here too: its numbers and its document.

:mod:`codeflash_lab.experiments.flow` holds the steps; this module holds their checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codeflash_lab._git import repo_root
from codeflash_lab.bench.revisions import WORKTREE, snapshot_worktree
from codeflash_lab.experiments.compare_input import CompareNumbers, load_compare
from codeflash_lab.experiments.flow_state import (
    ExperimentSession,
    changed_files,
    fingerprint,
    tree_of,
)

__all__ = ["compare_inputs", "compare_stale", "guard_stale"]


def guard_stale(s: ExperimentSession) -> bool:
    """The guard ran on other code than the working tree now (reads only)."""
    return s.guard is not None and s.guard_fingerprint not in (None, fingerprint(s))


def compare_stale(s: ExperimentSession, doc: Mapping[str, Any] | None) -> str | None:
    """Why the saved compare does not describe the code as it is now, or ``None``."""
    git = (doc or {}).get("git") or {}
    head, head_rev = git.get("head"), git.get("head_rev")
    if not head or not head_rev:
        return None  # two running servers, or a compare of objects: nothing to check
    root = repo_root(s.project)
    if head_rev != WORKTREE:
        changed = changed_files(s)
        if changed:
            return (
                f"the saved compare measured {head_rev}, not the uncommitted change in "
                f"{', '.join(changed[:3])}; compare with --head WORKTREE"
            )
        return None
    then, now = tree_of(root, head), tree_of(root, snapshot_worktree(root))
    if then and now and then != now:
        return "the code changed after the saved compare measured it; compare again"
    return None


def compare_inputs(s: ExperimentSession) -> tuple[CompareNumbers | None, dict[str, Any] | None]:
    """The saved compare's numbers and its document (``None``, ``None`` without one)."""
    if not s.compare_ref:
        return None, None
    numbers = load_compare(s.project, s.compare_ref)
    try:
        doc = json.loads(Path(numbers.source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    return numbers, doc
