"""Charts of the experiment log, one marker per experiment: p50, p99 or throughput.

Every function takes anything :func:`~codeflash_lab.viz.data.experiments_frame`
accepts and returns a Figure; when there is nothing to draw it returns a small
figure saying so instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from codeflash_lab.viz.data import METRICS, Metric, available_metrics, experiments_frame
from codeflash_lab.viz.style import (
    STATUS_COLORS,
    chart_style,
    message_figure,
    new_figure,
    pattern_color,
    pattern_marker,
    safe_text,
)
from codeflash_lab.viz.targets import main_target, target_names

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_experiments", "plot_latency", "plot_throughput"]

TIMES = "\u00d7"  # the multiplication sign
EMPTY_LOG_MESSAGE = "No experiments in results.tsv yet. Record one (codeflash-lab record) and the chart appears here."


def metric_named(metric: str) -> Metric:
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}") from None


def baseline_value(frame: pd.DataFrame, metric: Metric) -> float:
    """The first recorded baseline value of ``metric`` (NaN when there is none)."""
    values = frame[metric.before].dropna()
    return float(values.iloc[0]) if len(values) else math.nan


def running_best(frame: pd.DataFrame, metric: Metric, baseline: float) -> list[float]:
    """The value in force after each experiment: the baseline, replaced by each KEEP."""
    current = baseline
    out = []
    for status, after in zip(frame["status"], frame[metric.after], strict=True):
        if status == "KEEP" and not math.isnan(after):
            current = after
        out.append(current)
    return out


def _drawmetric_named(
    ax: Axes,
    full: pd.DataFrame,
    frame: pd.DataFrame,
    metric: Metric,
    highlight: Iterable[int] = (),
) -> None:
    """Draw ``frame``'s experiments on ``ax``; the baseline and value in force come from ``full``.

    Before→after stems (sparse charts only), status colour, pattern marker. When
    the log holds several targets, the baseline and value in force are the main
    target's own series (a KEEP on another target does not move them).
    """
    x = frame.index.to_numpy()
    before = frame[metric.before].to_numpy()
    after = frame[metric.after].to_numpy()
    series, on = full, ""
    if len(target_names(full)) > 1:
        main = main_target(full)
        series, on = full[full["target_test"] == main], f", {safe_text(main or '(none)', 32)}"
    baseline = baseline_value(series, metric)
    if not math.isnan(baseline) and len(frame):
        in_force = running_best(series, metric, baseline)
        lo, hi = int(x.min()), int(x.max())
        span = series.index.to_numpy()
        keep = (span >= lo) & (span <= hi)
        values = [v for v in (*before, *after) if not math.isnan(v)]
        near = not values or min(values) / 3 <= baseline <= max(values) * 3
        label = f"baseline {baseline:,.4g} {metric.unit}{on}"
        if near:
            ax.axhline(baseline, color="#999999", linestyle="--", linewidth=1, zorder=1)
            ax.annotate(
                label,
                (0, baseline),
                xycoords=("axes fraction", "data"),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8,
                color="#777777",
            )
        else:
            ax.annotate(
                f"{label} (off the chart)",
                (0.01, 0.97),
                xycoords="axes fraction",
                va="top",
                fontsize=8,
                color="#777777",
            )
        ax.step(
            span[keep],
            [v for v, k in zip(in_force, keep, strict=True) if k],
            where="post",
            color=STATUS_COLORS["KEEP"],
            alpha=0.45,
            linewidth=1.6,
            zorder=2,
            label="in force (kept)",
        )
    colors = [STATUS_COLORS.get(s, STATUS_COLORS[""]) for s in frame["status"]]
    dense = len(frame) > 120
    if not dense:
        ax.vlines(x, before, after, colors=colors, alpha=0.35, linewidth=1.2, zorder=2)
    for pattern, group in frame.groupby("pattern", sort=True):
        mask = frame.index.isin(group.index)
        ax.scatter(
            x[mask],
            after[mask],
            c=[c for c, m in zip(colors, mask, strict=True) if m],
            marker=pattern_marker(str(pattern)),
            s=14 if dense else 46,
            edgecolors="white" if not dense else "none",
            linewidths=0.6,
            zorder=3,
        )
    picked = [e for e in highlight if e in frame.index]
    if picked:
        sub = frame.loc[picked]
        ax.scatter(
            sub.index,
            sub[metric.after],
            s=160,
            facecolors="none",
            edgecolors="#222222",
            linewidths=1.4,
            zorder=4,
        )
        for exp, value in zip(sub.index, sub[metric.after], strict=True):
            if not math.isnan(value):
                ax.annotate(
                    f"#{exp}", (exp, value), xytext=(6, 6), textcoords="offset points", fontsize=8
                )
    ax.set_ylabel(f"{metric.label} ({metric.unit})")
    ax.margins(x=0.02)
    integer_x(ax)


def integer_x(ax: Axes) -> None:
    """Experiment numbers are whole numbers: no 1.25 ticks."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _legend(fig: Figure, frame: pd.DataFrame) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", linestyle="", color=STATUS_COLORS[s], label=s, markersize=7)
        for s in ("KEEP", "DISCARD")
        if (frame["status"] == s).any()
    ]
    for pattern in sorted(set(frame["pattern"])):
        handles.append(
            Line2D(
                [],
                [],
                marker=pattern_marker(pattern),
                linestyle="",
                color="#666666",
                markerfacecolor=pattern_color(pattern),
                label=safe_text(pattern or "(no pattern)", 28),
                markersize=7,
            )
        )
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.805, 0.93), fontsize=8)


def _window(frame: pd.DataFrame, max_points: int) -> tuple[pd.DataFrame, str]:
    if max_points < 1:
        raise ValueError(f"max_points: must be at least 1, got {max_points}")
    if len(frame) <= max_points:
        return frame, ""
    return frame.iloc[-max_points:], f" (last {max_points:,} of {len(frame):,})"


def _select(
    full: pd.DataFrame, rows: Iterable[int] | None, max_points: int
) -> tuple[pd.DataFrame, str]:
    shown = full if rows is None else full[full.index.isin(list(rows))]
    return _window(shown, max_points)


def plot_experiments(
    source: Any,
    metric: str = "p50",
    *,
    max_points: int = 400,
    highlight: Iterable[int] = (),
    rows: Iterable[int] | None = None,
    legend: bool = True,
) -> Figure:
    """One metric per experiment: where each change landed, coloured KEEP/DISCARD.

    A faint stem joins each experiment's before and after values; the marker
    shape says which pattern it tackled; the step line is the value in force
    (the baseline, replaced by every KEEP).

    Args:
        source: results.tsv path, ``ResultsLog``, rows or DataFrame.
        metric: ``"p50"``, ``"p99"`` or ``"throughput"``.
        max_points: draw at most the last this many experiments.
        highlight: experiment numbers to circle and label.
        rows: draw only these experiment numbers (a filter); the baseline and the
            value in force still come from the whole log.
        legend: draw the status/pattern legend (a dashboard shows its own, which
            keeps redraws fast).

    Raises:
        ValueError: an unknown ``metric`` or ``max_points`` < 1.
    """
    m = metric_named(metric)
    frame = experiments_frame(source)
    title = f"Per experiment: {m.label}"
    if frame.empty:
        return message_figure(title, EMPTY_LOG_MESSAGE)
    if metric not in available_metrics(frame):
        return message_figure(title, f"No {m.label} numbers in results.tsv to chart.")
    shown, note = _select(frame, rows, max_points)
    if shown.empty:
        return message_figure(title, "No experiment matches the filters.")
    better = "lower" if m.lower_is_better else "higher"
    with chart_style():
        fig, ax = new_figure(9.5, 4.0, layout=None)
        fig.subplots_adjust(left=0.08, right=0.79 if legend else 0.98, top=0.9, bottom=0.12)
        _drawmetric_named(ax, frame, shown, m, highlight)
        ax.set_title(f"{title}{note}  ·  {better} is better")
        ax.set_xlabel("experiment")
        if legend:
            _legend(fig, shown)
    return fig


def plot_latency(
    source: Any,
    *,
    max_points: int = 400,
    highlight: Iterable[int] = (),
    rows: Iterable[int] | None = None,
) -> Figure:
    """p50 latency per experiment, with p99 below it when compare runs supplied p99 numbers.

    Args:
        source: results.tsv path, ``ResultsLog``, rows or DataFrame (p99 columns from
            :func:`~codeflash_lab.viz.data.with_compare_percentiles`).
        max_points: draw at most the last this many experiments.
        highlight: experiment numbers to circle and label.
        rows: draw only these experiment numbers (a filter).
    """
    frame = experiments_frame(source)
    metrics = [k for k in ("p50", "p99") if k in available_metrics(frame)]
    if len(metrics) < 2:
        return plot_experiments(frame, "p50", max_points=max_points, highlight=highlight, rows=rows)
    shown, note = _select(frame, rows, max_points)
    if shown.empty:
        return message_figure("Latency per experiment", "No experiment matches the filters.")
    with chart_style():
        fig, axes = new_figure(9.5, 5.6, layout=None, nrows=2, sharex=True)
        fig.subplots_adjust(left=0.08, right=0.79, top=0.93, bottom=0.09, hspace=0.12)
        for ax, key in zip(axes, metrics, strict=True):
            _drawmetric_named(ax, frame, shown, METRICS[key], highlight)
        axes[0].set_title(f"Latency per experiment{note}  ·  lower is better")
        axes[1].set_xlabel("experiment")
        _legend(fig, shown)
    return fig


def plot_throughput(
    source: Any,
    *,
    max_points: int = 400,
    highlight: Iterable[int] = (),
    rows: Iterable[int] | None = None,
) -> Figure:
    """Throughput per experiment (higher is better); see :func:`plot_experiments`."""
    return plot_experiments(
        source, "throughput", max_points=max_points, highlight=highlight, rows=rows
    )
