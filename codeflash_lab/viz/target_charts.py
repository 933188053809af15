"""Charts of one target's own series: its numbers per experiment, and how far it has come.

A chart here never puts two targets on one axis: pass the rows of one target
(:func:`~codeflash_lab.viz.targets.target_frames`). Sized for pages that show
them side by side and stack them on a phone (see :func:`~codeflash_lab.viz.style.compact_charts`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from codeflash_lab.viz.data import METRICS, available_metrics, experiments_frame
from codeflash_lab.viz.log_charts import EMPTY_LOG_MESSAGE, TIMES, baseline_value, running_best
from codeflash_lab.viz.style import STATUS_COLORS, chart_style, message_figure, new_figure
from codeflash_lab.viz.targets import target_names

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_target_metric", "plot_target_progress"]

_WIDTH, _HEIGHT = 4.8, 3.1
_LINE_COLORS = {"p50": "#4e79a7", "p99": "#b07aa1", "throughput": "#f28e2b"}


def _one_target(source: Any) -> pd.DataFrame:
    frame = experiments_frame(source)
    if getattr(source, "index", None) is not None and getattr(source.index, "name", None) == (
        "experiment"
    ):
        frame.index = source.index  # one target's rows keep their experiment numbers
    names = target_names(frame)
    if len(names) > 1:
        raise ValueError(f"source: one target's rows expected, got {len(names)} targets")
    return frame


def _ticks(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.margins(x=0.04)


def plot_target_metric(source: Any, metric: str = "p50") -> Figure:
    """One target's ``metric`` per experiment: each result, the baseline and the value in force.

    Markers are each experiment's measured value after the change (colour: KEEP or
    DISCARD); the dashed line is the target's baseline; the green step is the value
    in force (the baseline, replaced by each KEEP). With p99 numbers beside p50,
    ``metric="p50"`` draws both.

    Raises:
        ValueError: an unknown metric, or rows of several targets.
    """
    if metric not in METRICS:
        raise ValueError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}")
    frame = _one_target(source)
    m = METRICS[metric]
    if frame.empty:
        return message_figure(m.label, EMPTY_LOG_MESSAGE, width=_WIDTH)
    keys = [metric]
    if metric == "p50" and "p99" in available_metrics(frame):
        keys.append("p99")
    if metric not in available_metrics(frame):
        return message_figure(m.label, f"No {m.label} numbers recorded for this target.")
    x = frame.index.to_numpy()
    with chart_style():
        fig, ax = new_figure(_WIDTH, _HEIGHT)
        for key in keys:
            mk = METRICS[key]
            after = frame[mk.after].to_numpy()
            base = baseline_value(frame, mk)
            faint = key != metric
            if not math.isnan(base):
                ax.axhline(base, color="#999999", linestyle="--", linewidth=1, zorder=1)
                ax.step(
                    x,
                    running_best(frame, mk, base),
                    where="post",
                    color=STATUS_COLORS["KEEP"],
                    alpha=0.25 if faint else 0.5,
                    linewidth=1.6,
                    zorder=2,
                    label=None if faint else "in force",
                )
            colors = [STATUS_COLORS.get(s, STATUS_COLORS[""]) for s in frame["status"]]
            ax.scatter(
                x,
                after,
                c=colors,
                s=22 if faint else 40,
                marker="v" if faint else "o",
                alpha=0.6 if faint else 1.0,
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
            )
        _status_legend(ax, frame, keys)
        ax.set_ylabel(f"{'latency' if metric != 'throughput' else m.label} ({m.unit})")
        ax.set_xlabel("experiment")
        _ticks(ax)
    return fig


def _status_legend(ax: Axes, frame: pd.DataFrame, keys: list[str]) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", linestyle="", color=STATUS_COLORS[s], label=s.lower())
        for s in ("KEEP", "DISCARD")
        if (frame["status"] == s).any()
    ]
    handles.append(Line2D([], [], color="#999999", linestyle="--", label="baseline"))
    if len(keys) > 1:
        handles.append(Line2D([], [], marker="v", linestyle="", color="#777777", label="p99"))
    ax.legend(handles=handles, loc="best", ncols=2, handletextpad=0.3, columnspacing=0.8)


def plot_target_progress(source: Any) -> Figure:
    """How many times better than its own baseline one target is after each experiment.

    Latency reads baseline / now, throughput now / baseline: above 1x is better.
    Only a KEEP moves a line.

    Raises:
        ValueError: rows of several targets.
    """
    frame = _one_target(source)
    title = "Improvement against the baseline"
    if frame.empty:
        return message_figure(title, EMPTY_LOG_MESSAGE, width=_WIDTH)
    x = frame.index.to_numpy()
    series = []
    for key in ("p50", "p99", "throughput"):
        if key not in available_metrics(frame):
            continue
        m = METRICS[key]
        base = baseline_value(frame, m)
        if math.isnan(base) or base <= 0:
            continue
        now = running_best(frame, m, base)
        factors = [(base / v if m.lower_is_better else v / base) if v > 0 else 1.0 for v in now]
        series.append((key, factors))
    if not series:
        return message_figure(title, "No baseline numbers recorded for this target.")
    words = {"p50": "p50 latency", "p99": "p99 latency", "throughput": "throughput"}
    with chart_style():
        fig, ax = new_figure(_WIDTH, _HEIGHT)
        ax.axhline(1.0, color="#999999", linewidth=1)
        for key, factors in series:
            ax.step(
                x,
                factors,
                where="post",
                color=_LINE_COLORS[key],
                linewidth=2,
                linestyle="--" if key == "throughput" else "-",
                label=f"{words[key]} {factors[-1]:.2f}{TIMES}",
            )
        ax.set_ylabel(f"{TIMES} the baseline (higher is better)")
        ax.set_xlabel("experiment")
        ax.legend(loc="best")
        _ticks(ax)
    return fig
