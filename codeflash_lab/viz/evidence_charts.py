"""Charts of runtime and static evidence: event-loop lag timeline, findings by category.

Inputs are the plain dicts saved under ``.codeflash/runs/`` (a result's
``to_dict()``) or the result objects themselves; findings may also be a
DataFrame. Missing data gives a figure that says so, never an exception.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from codeflash_lab.categories import SLUGS, category
from codeflash_lab.viz._parse import as_dict, number, pick
from codeflash_lab.viz.style import (
    IMPACT_COLORS,
    STATUS_COLORS,
    chart_style,
    compact_width,
    message_figure,
    new_figure,
    safe_text,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_findings", "plot_lag"]


def _pairs(items: Iterable[Any], *keys: tuple[str, str]) -> list[tuple[float, float]]:
    out = []
    for item in items or []:
        if isinstance(item, Mapping):
            for kt, kv in keys:
                if kt in item and kv in item:
                    out.append((number(item[kt]), number(item[kv])))
                    break
        elif isinstance(item, Sequence) and len(item) >= 2:
            out.append((number(item[0]), number(item[1])))
    return [(t, v) for t, v in out if not (math.isnan(t) or math.isnan(v))]


def plot_lag(lag: Any, *, max_points: int = 4000) -> Figure:
    """Event-loop lag over time, the stall threshold, and the stalls above it.

    Args:
        lag: a ``LagResult`` or its dict (``samples`` of ``(t_s, lag_ms)``,
            ``stall_list`` (or a ``stalls`` list), ``threshold_ms``,
            ``p50_ms``/``p99_ms``/``max_ms``).
        max_points: long timelines are reduced to this many points, keeping each
            bucket's maximum so no stall disappears.
    """
    import numpy as np

    doc = as_dict(lag)
    title = "Event-loop lag"
    samples = _pairs(doc.get("samples") or [], ("t_s", "lag_ms"), ("t", "lag_ms"))
    if not samples:
        return message_figure(title, "No lag samples to chart: wrap the work in LagMonitor first.")
    t = np.array([s[0] for s in samples])
    v = np.array([s[1] for s in samples])
    if t.size > max_points:
        edges = np.linspace(0, t.size, max_points + 1).astype(int)
        idx = [lo + int(np.argmax(v[lo:hi])) for lo, hi in itertools.pairwise(edges) if hi > lo]
        t, v = t[idx], v[idx]
    threshold = pick(doc, "threshold_ms")
    # LagResult.to_dict() keeps the stall records under "stall_list" ("stalls" is their count).
    listed: Any = doc.get("stall_list")
    if not isinstance(listed, list):
        listed = doc.get("stalls") if isinstance(doc.get("stalls"), list) else []
    stalls = _pairs(listed, ("t_s", "lag_ms"), ("start_s", "lag_ms"), ("t_s", "duration_ms"))
    stats = [
        f"{k} {pick(doc, f'{k}_ms'):.2f} ms"
        for k in ("p50", "p99", "max")
        if not math.isnan(pick(doc, f"{k}_ms"))
    ]
    with chart_style():
        fig, ax = new_figure(9.5, 3.4)
        ax.plot(t, v, color="#4e79a7", linewidth=1)
        ax.fill_between(t, v, color="#4e79a7", alpha=0.15)
        if not math.isnan(threshold):
            ax.axhline(threshold, color=STATUS_COLORS["DISCARD"], linestyle="--", linewidth=1)
            ax.annotate(
                f"stall threshold {threshold:g} ms",
                (0, threshold),
                xycoords=("axes fraction", "data"),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8,
                color=STATUS_COLORS["DISCARD"],
            )
        if stalls:
            ax.scatter(
                [s[0] for s in stalls],
                [s[1] for s in stalls],
                color=STATUS_COLORS["DISCARD"],
                s=28,
                zorder=3,
                label=f"{len(stalls)} stalls",
            )
            ax.legend(loc="upper right")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("lag (ms)")
        ax.set_title(title + ("  ·  " + " · ".join(stats) if stats else ""))
        ax.set_ylim(bottom=0)
    return fig


def _finding_rows(findings: Any) -> list[tuple[str, str]]:
    if findings is None:
        return []
    if hasattr(findings, "to_dict") and hasattr(findings, "columns"):
        records = findings.to_dict("records")
    elif hasattr(findings, "findings"):
        records = list(findings.findings)
    else:
        records = list(findings)
    out = []
    for f in records:
        d = f if isinstance(f, Mapping) else (f.to_dict() if hasattr(f, "to_dict") else vars(f))
        out.append((str(d.get("category") or "other"), str(d.get("impact") or "").upper()))
    return out


def plot_findings(findings: Any) -> Figure:
    """How many scanner (or review) findings fall in each category, coloured by impact.

    Args:
        findings: ``Finding`` objects or dicts, a ``ScanResult``, or a DataFrame
            with ``category`` and ``impact`` columns.
    """
    rows = _finding_rows(findings)
    title = "Findings by category"
    if not rows:
        return message_figure(title, "No findings: the scan found no async antipatterns.")
    counts: dict[str, int] = {}
    impact: dict[str, str] = {}
    for cat, imp in rows:
        counts[cat] = counts.get(cat, 0) + 1
        if cat in SLUGS:
            impact[cat] = category(cat).impact
        else:
            impact.setdefault(cat, imp or "LOW")
    order = sorted(
        counts, key=lambda c: ({"HIGH": 0, "MEDIUM": 1}.get(impact[c], 2), -counts[c], c)
    )
    narrow = compact_width() is not None  # labels on two lines, more room per bar
    with chart_style():
        fig, ax = new_figure(9.0, (1.3 + 0.55 * len(order)) if narrow else 1.0 + 0.4 * len(order))
        y = list(range(len(order)))[::-1]
        colors = [IMPACT_COLORS.get(impact[c], IMPACT_COLORS["LOW"]) for c in order]
        ax.barh(y, [counts[c] for c in order], color=colors, height=0.62)
        for yi, c in zip(y, order, strict=True):
            ax.annotate(
                str(counts[c]),
                (counts[c], yi),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        labels = [
            safe_text(f"{category(c).title} ({impact[c]})" if c in SLUGS else c, 48) for c in order
        ]
        if narrow:
            labels = [textwrap.fill(label, 22) for label in labels]
        ax.set_yticks(y, labels)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("findings")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(
            f"{len(rows)} findings, highest impact first"
            if narrow
            else f"{title}  ·  {len(rows)} in total, highest impact first"
        )
        ax.margins(x=0.08)
    return fig
