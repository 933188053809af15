"""Per-target series of the experiment frame: which targets it holds and each one's rows.

Numbers measured on different targets (``target_test``) are never compared
with each other: each target has its own baseline and its own value in force.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from codeflash_lab.viz.data import Metric

__all__ = ["keep_gains", "main_target", "target_frames", "target_names"]


def target_names(frame: pd.DataFrame) -> list[str]:
    """The targets in order of first appearance (``""`` for rows that name none).

    Args:
        frame: an experiment frame (:func:`~codeflash_lab.viz.data.experiments_frame`).

    Returns:
        Distinct ``target_test`` values; empty for an empty frame.
    """
    if frame.empty:
        return []
    return list(dict.fromkeys(frame["target_test"].tolist()))


def main_target(frame: pd.DataFrame) -> str:
    """The target with the most experiments (the earliest one on a tie; ``""`` when empty)."""
    names = target_names(frame)
    if not names:
        return ""
    counts = frame["target_test"].value_counts()
    return max(names, key=lambda name: (int(counts[name]), -names.index(name)))


def target_frames(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Each target's own rows (keeping the experiment numbers), main target first.

    Returns:
        ``(target, rows)`` pairs: the main target, then the others in order of appearance.
    """
    if frame.empty:
        return []
    main = main_target(frame)
    names = [main, *(n for n in target_names(frame) if n != main)]
    return [(name, frame[frame["target_test"] == name]) for name in names]


def keep_gains(frame: pd.DataFrame, metric: Metric) -> list[float]:
    """Each experiment's own gain for ``metric``, measured within that experiment.

    A KEEP with both numbers gives ``before / after`` (lower is better) or
    ``after / before``; every other row, or a KEEP missing a number, gives 1.0.
    The product of these factors is the compounded improvement, which never
    divides numbers measured on two different targets.
    """
    out = []
    for status, before, after in zip(
        frame["status"], frame[metric.before], frame[metric.after], strict=True
    ):
        gain = 1.0
        # NaN compares False: a KEEP missing a number (or a zero) moves nothing.
        if status == "KEEP" and before > 0 and after > 0:
            gain = before / after if metric.lower_is_better else after / before
        out.append(gain)
    return out
