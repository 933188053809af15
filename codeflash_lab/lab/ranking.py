"""Scanner findings ranked into targets, next to the category table that explains each kind."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.categories import CATEGORIES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["category_table", "rank_findings"]

_IMPACT_ORDER = {"HIGH": 0, "MEDIUM": 1}
_CATEGORY_ORDER = {c.slug: i for i, c in enumerate(CATEGORIES)}
RANKED_COLUMNS = ["impact", "confidence", "category", "where", "message", "typical_gain", "fix"]
_CONFIDENCE_ORDER = {"high": 0, "medium": 1, "low": 2}


def _dicts(findings: Any) -> list[dict[str, Any]]:
    items = getattr(findings, "findings", findings)
    return [f.to_dict() if hasattr(f, "to_dict") else dict(f) for f in items]


def _where(path: str, line: Any, root: Path | None) -> str:
    if root is not None:
        with contextlib.suppress(ValueError):
            path = os.path.relpath(path, root)
    return f"{path}:{line}"


def rank_findings(findings: Any, *, root: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Order findings the way targets are chosen: impact first, then the category's priority.

    HIGH before MEDIUM; within an impact, the category order of the workflow's table
    (sequential awaits, await in a loop, blocking calls, CPU on the loop, ...); then by
    confidence (high, medium, low; saved runs without one count as high); then file and
    line. The first row is the natural next target.

    Args:
        findings: a ``ScanResult``, ``Finding`` objects, or their dicts (e.g. a saved scan run).
        root: show paths relative to this folder.

    Returns:
        A DataFrame indexed from 1 with columns impact, confidence, category, where, message,
        typical_gain, fix (empty, with those columns, when there are no findings).
    """
    import pandas as pd

    gains = {c.slug: c.typical_gain for c in CATEGORIES}
    base = Path(root) if root is not None else None
    rows = [
        {
            "impact": f.get("impact", ""),
            "confidence": f.get("confidence", "high"),
            "category": f.get("category", ""),
            "where": _where(str(f.get("path", "")), f.get("line", ""), base),
            "message": f.get("message", ""),
            "typical_gain": f.get("gain") or gains.get(f.get("category", ""), ""),
            "fix": f.get("fix", ""),
            "_key": (
                _IMPACT_ORDER.get(f.get("impact", ""), 9),
                _CATEGORY_ORDER.get(f.get("category", ""), 99),
                _CONFIDENCE_ORDER.get(f.get("confidence", "high"), 1),
                str(f.get("path", "")),
                int(f.get("line", 0) or 0),
            ),
        }
        for f in _dicts(findings)
    ]
    rows.sort(key=lambda r: r["_key"])
    frame = pd.DataFrame(rows, columns=[*RANKED_COLUMNS, "_key"]).drop(columns="_key")
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
    return frame


def category_table(findings: Iterable[Any] | Any = ()) -> pd.DataFrame:
    """The antipattern categories: impact, whether worth fixing, typical gain, strategy family.

    Args:
        findings: optional findings (as for :func:`rank_findings`); adds a ``found`` count.

    Returns:
        One row per category slug, in the workflow's priority order.
    """
    import pandas as pd

    counts = Counter(f.get("category", "") for f in _dicts(findings))
    return pd.DataFrame(
        [
            {
                "category": c.slug,
                "title": c.title,
                "impact": c.impact,
                "worth_fixing": c.worth_fixing,
                "typical_gain": c.typical_gain,
                "strategy": c.strategy,
                "found": counts.get(c.slug, 0),
            }
            for c in CATEGORIES
        ]
    ).set_index("category")
