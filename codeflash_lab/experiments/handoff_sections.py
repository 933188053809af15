"""HANDOFF.md's "Ranked targets" and "Next steps", from the scan, the profile and the log.

**Ranked targets** lists the open findings of the latest saved scan, best score first
(share of profiled wall time x confidence; the rule and the scoring are in
:mod:`codeflash_lab.experiments.handoff_ranking`), then the done ones.

**Next steps**, first match wins for the opening line, then the list:

1. the plateau says stop (the experiment budget is spent) -> stop, review, report;
2. irreducible or diminishing returns -> review and report; one more experiment only
   on an untried category;
3. stuck -> the recovery checklist;
4. rotation due -> move to the next strategy family;
5. otherwise -> the top ranked target that is not done.

Then the untried categories: categories the scan found that no experiment in
results.tsv has tried yet, in ranking order. With no scan saved, the first step
is to run one; a saved scan with no finding points at the profile instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codeflash_lab.categories import SLUGS, strategy_for
from codeflash_lab.experiments.handoff_ranking import (
    CONFIDENCE_WEIGHTS,
    RankedTarget,
    latest_run,
    rank_targets,
)
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment

__all__ = [
    "CONFIDENCE_WEIGHTS",
    "RankedTarget",
    "next_steps",
    "rank_targets",
    "ranked_targets_markdown",
    "refresh_derived_sections",
]

#: How many ranked targets HANDOFF.md lists.
SHOWN = 8


def ranked_targets_markdown(
    targets: Sequence[RankedTarget], *, profiled: bool, scanned: bool = True
) -> str:
    """The "Ranked targets" section body."""
    if not scanned:
        return "_No scan saved yet: run `codeflash-lab scan` (it is saved) and a profile._"
    if not targets:
        return (
            "The latest saved scan found no async antipattern. Look for targets in the "
            "profile instead: rows reading 'itself slow' or 'waiting'."
        )
    open_ = [t for t in targets if not t.done]
    done = [t for t in targets if t.done]
    rule = (
        "Ranked by share of profiled wall time x finding confidence."
        if profiled
        else "No profile saved: in the scan's order (run `codeflash-lab profile` to rank by time)."
    )
    lines = [rule, ""]
    lines += [t.line() for t in open_[:SHOWN]] or ["_Every finding is done._"]
    if len(open_) > SHOWN:
        lines.append(f"- … and {len(open_) - SHOWN} more in the latest scan.")
    if done:
        where = ", ".join(f"`{t.where}`" for t in done[:5])
        lines.append(f"\nDone (a KEEP of the category changed the file): {where}")
    return "\n".join(lines)


def next_steps(
    targets: Sequence[RankedTarget],
    rows: Sequence[Experiment],
    status: Any | None,
    *,
    tried: set[str] | frozenset[str] = frozenset(),
    scanned: bool = True,
) -> list[str]:
    """The "Next steps" lines, by the rule in the module docstring.

    Args:
        targets: :func:`rank_targets` output.
        rows: the log's rows (their patterns count as tried).
        status: the plateau state, if any.
        tried: more patterns already tried (older rows not in ``rows``).
        scanned: a scan was saved (with no findings, ``targets`` is empty).
    """
    tried = {str(r.pattern) for r in rows} | set(tried)
    open_ = [t for t in targets if not t.done]
    top = open_[0] if open_ else None
    get = (
        (lambda name, default=None: getattr(status, name, default))
        if status
        else (lambda name, default=None: default)
    )
    steps: list[str] = []
    if not scanned:
        steps.append("Run `codeflash-lab scan` and a profile, so the targets can be ranked.")
    if get("stop"):
        steps.append(
            "Stop experimenting: the budget is spent. Run `codeflash-lab review`, prepare the PRs "
            "(`codeflash-lab prs`) and share `codeflash-lab report`."
        )
    elif get("irreducible") or get("diminishing_returns"):
        why = "irreducible (discards in a row)" if get("irreducible") else "diminishing returns"
        steps.append(
            f"Plateau: {why}. Run `codeflash-lab review` and the report; try one more experiment "
            "only on an untried category."
        )
    elif get("stuck"):
        steps.append("Stuck: work through the recovery checklist before the next experiment:")
        steps += [f"  - {s}" for s in get("stuck_checklist", ()) or ()]
    elif get("rotate"):
        nxt = get("next_strategy")
        pick = next((t for t in open_ if strategy_for(t.category) == nxt), None)
        target = f": `{pick.where}` ({pick.category})" if pick else ""
        steps.append(f"Rotate strategy to {nxt or 'another family'}{target}.")
    elif scanned and not targets:
        steps.append(
            "The scan found nothing: profile the slowest request and work on the rows "
            "reading 'itself slow' or 'waiting'."
        )
    elif top is not None:
        steps.append(
            f"Next experiment: `{top.where}`"
            + (f" in `{top.function}`" if top.function else "")
            + f" ({top.category}), the top ranked target."
        )
    untried = list(dict.fromkeys(t.category for t in open_ if t.category not in tried))
    untried = [c for c in untried if c in SLUGS] + [c for c in untried if c not in SLUGS]
    if untried:
        steps.append(
            "Untried categories in the scan: " + ", ".join(f"`{c}`" for c in untried) + "."
        )
    elif targets and not open_:
        steps.append("Every scanned finding is done: scan again, or profile under a new load.")
    return steps


def _rows_of(rows: Any, status: Any | None) -> tuple[list[Experiment], Any | None, set[str]]:
    """Rows from a sequence, or from a one-pass digest of the log (its newest keeps and
    discards, and every pattern it saw discarded, so "tried" stays complete); the
    digest also gives the plateau state when none is passed."""
    if not hasattr(rows, "keeps"):
        return list(rows), status, set()
    shown = sorted([*rows.keeps, *rows.discards], key=lambda t: t[0])
    tried = set(getattr(rows, "discards_by_pattern", {}) or {})
    return [r for _, r in shown], status if status is not None else rows.status(), tried


def refresh_derived_sections(
    workspace: Workspace | str | os.PathLike[str],
    rows: Any,
    status: Any | None = None,
) -> dict[str, str]:
    """Rewrite HANDOFF.md's "Ranked targets", "Next steps" and "Locked methodology".

    The first two come from the saved scan and profile and the log (see the module
    docstring); the lock section from ``.codeflash/methodology.json``. Nothing is
    written without a HANDOFF.md.

    Args:
        workspace: the project.
        rows: the log's rows, or a one-pass digest of it (``LedgerDigest``).
        status: the plateau state (:class:`~codeflash_lab.experiments.plateau.LedgerStatus`;
            default: the digest's).

    Returns:
        The ranked-targets and next-steps bodies.
    """
    from codeflash_lab.workspace.handoff import update_section
    from codeflash_lab.workspace.methodology import sync_handoff_lock

    ws = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
    rows, status, tried = _rows_of(rows, status)
    profiled = latest_run(ws, "profile") is not None
    scanned = latest_run(ws, "scan") is not None
    targets = rank_targets(ws, rows)
    bodies = {
        "Ranked targets": ranked_targets_markdown(targets, profiled=profiled, scanned=scanned),
        "Next steps": "\n".join(
            s if s.startswith("  ") else f"- {s}"
            for s in next_steps(targets, rows, status, tried=tried, scanned=scanned)
        ),
    }
    if ws.handoff_md.exists():
        for title, body in bodies.items():
            update_section(ws, title, body)
        sync_handoff_lock(ws)
    return bodies
