"""Charts of progress over the experiment log: cumulative improvement, before/after per keep.

Every function takes anything :func:`~codeflash_lab.viz.data.experiments_frame`
accepts and returns a Figure; when there is nothing to draw it returns a small
figure saying so instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from codeflash_lab.viz.data import METRICS, Metric, available_metrics, experiments_frame
from codeflash_lab.viz.log_charts import (
    EMPTY_LOG_MESSAGE,
    TIMES,
    baseline_value,
    integer_x,
    metric_named,
    running_best,
)
from codeflash_lab.viz.style import (
    STATUS_COLORS,
    chart_style,
    message_figure,
    new_figure,
    pattern_color,
    pattern_marker,
    safe_text,
)
from codeflash_lab.viz.targets import keep_gains, target_names

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["plot_cumulative", "plot_keeps"]


def plot_cumulative(source: Any) -> Figure:
    """How many times better than the original baseline after each experiment.

    Only KEEPs move the lines; a DISCARD leaves them flat. Every line reads the
    same way: above 1x is better (latency: baseline / now; throughput: now /
    baseline).

    When the log holds experiments measured on several targets (``target_test``),
    no number of one target is divided by a number of another: each KEEP's own
    gain (its before/after, measured in that experiment) is compounded instead,
    and the subtitle says so.
    """
    frame = experiments_frame(source)
    title = "Improvement against the baseline"
    if frame.empty:
        return message_figure(title, EMPTY_LOG_MESSAGE)
    n_targets = len(target_names(frame))
    series = _compounded(frame) if n_targets > 1 else _against_baseline(frame)
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
        placed: list[float] = []
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
                # Final values within a few percent of one already labelled stack downwards.
                near = sum(1 for f in placed if abs(math.log(final / f)) < 0.05)
                placed.append(final)
                ax.annotate(
                    f"{final:.2f}{TIMES}",
                    (x[-1], final),
                    xytext=(6, -11 * near),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                    fontweight="bold",
                    color=color,
                )
        if top > 4:
            ax.set_yscale("log", base=2)
            ax.yaxis.set_major_formatter("{x:g}" + TIMES)
        else:
            finite = [f for _, fs in series for f in fs if not math.isnan(f)]
            low = min([*finite, 1.0])
            ax.set_ylim(min(0.9, low * 0.95), max(1.1, top * 1.05))
            ax.yaxis.set_major_formatter("{x:.3g}" + TIMES)
        integer_x(ax)
        n_keep = int(keeps.sum())
        sub = (
            f"{n_keep} KEEP of {len(frame)} experiments"
            if n_keep
            else "no KEEP yet: nothing has moved"
        )
        legend_title = None
        if n_targets > 1:
            title = f"Improvement, compounded over keeps on {n_targets} targets"
            names = target_names(frame)
            shown = ", ".join(safe_text(n or "(none)", 24) for n in names[:3])
            more = f" +{len(names) - 3} more" if len(names) > 3 else ""
            legend_title = f"each KEEP's own before/after, multiplied\n({shown}{more})"
        ax.set_title(f"{title}  ·  {sub}")
        ax.set_xlabel("experiment")
        ax.set_ylabel(
            f"{TIMES} better (compounded keeps)"
            if n_targets > 1
            else f"{TIMES} better than baseline"
        )
        ax.margins(x=0.06)
        legend = ax.legend(loc="upper left", title=legend_title, alignment="left")
        if legend_title:
            legend.get_title().set_fontsize(8)
            legend.get_title().set_color("#555555")
    return fig


def _against_baseline(frame: pd.DataFrame) -> list[tuple[Metric, list[float]]]:
    """One target: the value in force against the first recorded baseline."""
    series = []
    for key in available_metrics(frame):
        m = METRICS[key]
        baseline = baseline_value(frame, m)
        if math.isnan(baseline) or baseline <= 0:
            continue
        factors = [_factor(m, baseline, v) for v in running_best(frame, m, baseline)]
        series.append((m, factors))
    return series


def _compounded(frame: pd.DataFrame) -> list[tuple[Metric, list[float]]]:
    """Several targets: the running product of each KEEP's own gain."""
    series = []
    for key in available_metrics(frame):
        m = METRICS[key]
        if not (frame[m.before].notna() & frame[m.after].notna()).any():
            continue
        total, factors = 1.0, []
        for gain in keep_gains(frame, m):
            total *= gain
            factors.append(total)
        series.append((m, factors))
    return series


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
    m = metric_named(metric)
    if max_keeps < 1:
        raise ValueError(f"max_keeps: must be at least 1, got {max_keeps}")
    frame = experiments_frame(source)
    title = f"Before and after each KEEP ({m.label})"
    if frame.empty:
        return message_figure(title, EMPTY_LOG_MESSAGE)
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
