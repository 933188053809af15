"""Charts of the experiment log: per-experiment metric, cumulative improvement, keeps before/after.

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

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_cumulative",
    "plot_experiments",
    "plot_keeps",
    "plot_latency",
    "plot_throughput",
]

_TIMES = "\u00d7"  # the multiplication sign
_EMPTY_LOG = "No experiments in results.tsv yet. Record one (codeflash-lab record) and the chart appears here."


def _metric(metric: str) -> Metric:
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}") from None


def _baseline(frame: pd.DataFrame, metric: Metric) -> float:
    """The first recorded baseline value of ``metric`` (NaN when there is none)."""
    values = frame[metric.before].dropna()
    return float(values.iloc[0]) if len(values) else math.nan


def _running_best(frame: pd.DataFrame, metric: Metric, baseline: float) -> list[float]:
    """The value in force after each experiment: the baseline, replaced by each KEEP."""
    current = baseline
    out = []
    for status, after in zip(frame["status"], frame[metric.after], strict=True):
        if status == "KEEP" and not math.isnan(after):
            current = after
        out.append(current)
    return out


def _draw_metric(
    ax: Axes,
    full: pd.DataFrame,
    frame: pd.DataFrame,
    metric: Metric,
    highlight: Iterable[int] = (),
) -> None:
    """Draw ``frame``'s experiments on ``ax``; the baseline and value in force come from ``full``.

    Before→after stems (sparse charts only), status colour, pattern marker.
    """
    x = frame.index.to_numpy()
    before = frame[metric.before].to_numpy()
    after = frame[metric.after].to_numpy()
    baseline = _baseline(full, metric)
    if not math.isnan(baseline) and len(frame):
        in_force = _running_best(full, metric, baseline)
        lo, hi = int(x.min()), int(x.max())
        span = full.index.to_numpy()
        keep = (span >= lo) & (span <= hi)
        values = [v for v in (*before, *after) if not math.isnan(v)]
        near = not values or min(values) / 3 <= baseline <= max(values) * 3
        label = f"baseline {baseline:,.4g} {metric.unit}"
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
    _integer_x(ax)


def _integer_x(ax: Axes) -> None:
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
    m = _metric(metric)
    frame = experiments_frame(source)
    title = f"Per experiment: {m.label}"
    if frame.empty:
        return message_figure(title, _EMPTY_LOG)
    if metric not in available_metrics(frame):
        return message_figure(title, f"No {m.label} numbers in results.tsv to chart.")
    shown, note = _select(frame, rows, max_points)
    if shown.empty:
        return message_figure(title, "No experiment matches the filters.")
    better = "lower" if m.lower_is_better else "higher"
    with chart_style():
        fig, ax = new_figure(9.5, 4.0, layout=None)
        fig.subplots_adjust(left=0.08, right=0.79 if legend else 0.98, top=0.9, bottom=0.12)
        _draw_metric(ax, frame, shown, m, highlight)
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
            _draw_metric(ax, frame, shown, METRICS[key], highlight)
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


def plot_cumulative(source: Any) -> Figure:
    """How many times better than the original baseline after each experiment.

    Only KEEPs move the lines; a DISCARD leaves them flat. Every line reads the
    same way: above 1x is better (latency: baseline / now; throughput: now /
    baseline).
    """
    frame = experiments_frame(source)
    title = "Improvement against the baseline"
    if frame.empty:
        return message_figure(title, _EMPTY_LOG)
    series = []
    for key in available_metrics(frame):
        m = METRICS[key]
        baseline = _baseline(frame, m)
        if math.isnan(baseline) or baseline <= 0:
            continue
        factors = [_factor(m, baseline, v) for v in _running_best(frame, m, baseline)]
        series.append((m, factors))
    if not series:
        return message_figure(title, "results.tsv has no baseline numbers to compare against.")
    x = frame.index.to_numpy()
    keeps = (frame["status"] == "KEEP").to_numpy()
    line_colors = {"p50": "#4e79a7", "p99": "#b07aa1", "throughput": "#f28e2b"}
    words = {"p50": "faster (p50)", "p99": "faster (p99)", "throughput": "more throughput"}
    with chart_style():
        fig, ax = new_figure(9.5, 3.8)
        ax.axhline(1.0, color="#999999", linewidth=1)
        top = 1.0
        for m, factors in series:
            color = line_colors[m.key]
            style = "--" if m.key == "throughput" else "-"
            ax.step(
                x,
                factors,
                where="post",
                color=color,
                linewidth=2,
                linestyle=style,
                label=words[m.key],
            )
            if keeps.any() and keeps.sum() <= 400:
                ax.scatter(
                    x[keeps],
                    [f for f, k in zip(factors, keeps, strict=True) if k],
                    s=18,
                    color=color,
                    zorder=3,
                )
            top = max([top, *(f for f in factors if not math.isnan(f))])
            final = factors[-1]
            if not math.isnan(final):
                ax.annotate(
                    f"{final:.2f}{_TIMES}",
                    (x[-1], final),
                    xytext=(6, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                    fontweight="bold",
                    color=color,
                )
        if top > 4:
            ax.set_yscale("log", base=2)
            ax.yaxis.set_major_formatter("{x:g}" + _TIMES)
        else:
            finite = [f for _, fs in series for f in fs if not math.isnan(f)]
            low = min([*finite, 1.0])
            ax.set_ylim(min(0.9, low * 0.95), max(1.1, top * 1.05))
            ax.yaxis.set_major_formatter("{x:.3g}" + _TIMES)
        _integer_x(ax)
        n_keep = int(keeps.sum())
        sub = (
            f"{n_keep} KEEP of {len(frame)} experiments"
            if n_keep
            else "no KEEP yet: nothing has moved"
        )
        ax.set_title(f"{title}  ·  {sub}")
        ax.set_xlabel("experiment")
        ax.set_ylabel(f"{_TIMES} better than baseline")
        ax.margins(x=0.06)
        ax.legend(loc="upper left")
    return fig


def _factor(metric: Metric, baseline: float, current: float) -> float:
    if math.isnan(current) or current <= 0:
        return math.nan
    return baseline / current if metric.lower_is_better else current / baseline


def plot_keeps(
    source: Any,
    metric: str = "p50",
    *,
    max_keeps: int = 30,
    experiments: Iterable[int] | None = None,
) -> Figure:
    """Before and after for every KEEP: an arrow from the old value to the new one.

    Args:
        source: results.tsv path, ``ResultsLog``, rows or DataFrame.
        metric: ``"p50"``, ``"p99"`` or ``"throughput"``.
        max_keeps: draw at most the last this many keeps.
        experiments: draw these experiment numbers instead (any status), to compare them.

    Raises:
        ValueError: an unknown ``metric`` or ``max_keeps`` < 1.
    """
    m = _metric(metric)
    if max_keeps < 1:
        raise ValueError(f"max_keeps: must be at least 1, got {max_keeps}")
    frame = experiments_frame(source)
    title = f"Before and after each KEEP ({m.label})"
    if frame.empty:
        return message_figure(title, _EMPTY_LOG)
    has_numbers = frame[m.before].notna() & frame[m.after].notna()
    if experiments is not None:
        title = f"Before and after, selected experiments ({m.label})"
        keeps = frame[frame.index.isin(list(experiments)) & has_numbers]
        if keeps.empty:
            return message_figure(
                title, "Pick experiments with before/after numbers to compare them."
            )
    else:
        keeps = frame[(frame["status"] == "KEEP") & has_numbers]
    if keeps.empty:
        return message_figure(
            title, "No KEEP with before/after numbers yet: every experiment so far was discarded."
        )
    note = ""
    if len(keeps) > max_keeps:
        note = f" (last {max_keeps} of {len(keeps)})"
        keeps = keeps.iloc[-max_keeps:]
    labels = [
        safe_text(f"#{exp} {row.pattern or '-'}: {row.description}", 52)
        for exp, row in keeps.iterrows()
    ]
    with chart_style():
        height = 1.2 + 0.36 * len(keeps)
        fig, ax = new_figure(9.5, height, layout=None)
        fig.subplots_adjust(left=0.42, right=0.97, top=1 - 0.45 / height, bottom=0.75 / height)
        y = list(range(len(keeps)))[::-1]
        for yi, (_, row) in zip(y, keeps.iterrows(), strict=True):
            b, a = row[m.before], row[m.after]
            ax.annotate(
                "",
                (a, yi),
                (b, yi),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": STATUS_COLORS.get(row.status, STATUS_COLORS[""]),
                    "linewidth": 1.6,
                },
            )
            ax.scatter([b], [yi], color="#9a9a9a", s=30, zorder=3)
            ax.scatter(
                [a],
                [yi],
                color=pattern_color(row.pattern),
                s=42,
                zorder=3,
                marker=pattern_marker(row.pattern),
            )
            change = (a - b) / b * 100.0 if b else math.nan
            if not math.isnan(change):
                ax.annotate(
                    f"{change:+.0f}%",
                    (max(a, b), yi),
                    xytext=(8, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                    color="#333333",
                )
        ax.set_yticks(y, labels)
        ax.grid(axis="y", visible=False)
        values = [*keeps[m.before], *keeps[m.after]]
        if min(values) > 0 and max(values) / min(values) > 20:
            ax.set_xscale("log")
        ax.set_xlabel(f"{m.label} ({m.unit})  ·  grey = before, coloured = after")
        ax.set_title(f"{title}{note}")
        ax.margins(x=0.12, y=0.08)
    return fig
