"""An ipywidgets explorer over a results.tsv: metric, status and pattern filters, comparison.

Charts are drawn to PNG and shown in an ``ipywidgets.Image``, so a redraw
replaces the picture in place and no Output widget is involved (headless
notebook runners stall on Output widgets, see the notebook notes). Every menu is
built from the data; nothing is hard-coded.
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

from codeflash_lab.errors import ResultsFormatError
from codeflash_lab.viz.data import METRICS, available_metrics, experiments_frame
from codeflash_lab.viz.log_charts import plot_experiments
from codeflash_lab.viz.progress_charts import plot_keeps
from codeflash_lab.viz.style import (
    STATUS_COLORS,
    figure_png,
    message_figure,
    pattern_color,
    pattern_marker,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["ResultsDashboard", "legend_html"]

_DPI = 80.0


def _png(fig: Figure) -> bytes:
    return figure_png(fig, dpi=_DPI)


def _one_line(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


_GLYPHS = {
    "o": "\u25cf",
    "s": "\u25a0",
    "^": "\u25b2",
    "D": "\u25c6",
    "v": "\u25bc",
    "P": "\u271a",
    "X": "\u2716",
    "<": "\u25c0",
    ">": "\u25b6",
    "h": "\u2b22",
    "*": "\u2605",
    "p": "\u2b1f",
}


def legend_html(frame: pd.DataFrame) -> str:
    """The chart legend as HTML: status colours, then each pattern's marker shape and colour."""
    items = [
        f"<span style='color:{STATUS_COLORS[s]}'>\u25cf</span> {s}"
        for s in ("KEEP", "DISCARD")
        if (frame["status"] == s).any()
    ]
    for pattern in sorted(set(frame["pattern"])):
        glyph = _GLYPHS.get(pattern_marker(pattern), "\u25cf")
        items.append(
            f"<span style='color:{pattern_color(pattern)}'>{glyph}</span> "
            + html.escape(pattern or "(no pattern)")
        )
    return "<div style='font-size:12px;line-height:1.6'>" + " &nbsp; ".join(items) + "</div>"


class ResultsDashboard:
    """Explore a results.tsv: pick the metric, filter by status and pattern, compare experiments.

    Display it as the last expression of a cell (or ``display(dash)``); every
    control change redraws the chart in place.

    Args:
        source: a results.tsv path, a project folder, a ``ResultsLog``, rows or a DataFrame.
        max_points: the main chart shows at most the last this many matching experiments.

    Attributes:
        frame: the whole log (see :func:`~codeflash_lab.viz.data.experiments_frame`).
        widget: the ``ipywidgets.VBox`` holding everything.
        last_redraw_s: how long the latest redraw took (seconds).
        problem: why results.tsv could not be read (empty when it could).
    """

    def __init__(self, source: Any, *, max_points: int = 400) -> None:
        import ipywidgets as w

        self.problem = ""
        try:
            self.frame: pd.DataFrame = experiments_frame(source)
        except ResultsFormatError as exc:  # a damaged log: say so in the view, do not raise
            self.problem = f"results.tsv cannot be read: {exc}"
            self.frame = experiments_frame([])
        self.max_points = max_points
        self.last_redraw_s = 0.0
        metrics = available_metrics(self.frame)
        self.metric = w.Dropdown(
            options=[(METRICS[k].label, k) for k in metrics] or [("(no numbers)", "")],
            description="Metric",
        )
        statuses = sorted(set(self.frame["status"]))
        self.status = w.SelectMultiple(
            options=statuses,
            value=tuple(statuses),
            description="Status",
            rows=min(3, max(1, len(statuses))),
        )
        patterns = sorted(set(self.frame["pattern"]))
        self.pattern = w.SelectMultiple(
            options=[(p or "(none)", p) for p in patterns],
            value=tuple(patterns),
            description="Pattern",
            rows=min(6, max(1, len(patterns))),
        )
        self.compare = w.SelectMultiple(
            options=[
                (_one_line(f"#{exp} {row.status} {row.pattern}: {row.description}"), int(exp))
                for exp, row in self.frame.iterrows()
            ],
            value=(),
            description="Compare",
            rows=6,
        )
        self.info = w.HTML()
        self.legend = w.HTML(legend_html(self.frame))
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.detail = w.Image(format="png", layout=w.Layout(max_width="100%", display="none"))
        for control in (self.metric, self.status, self.pattern, self.compare):
            control.observe(self._on_change, names="value")
        self.widget = w.VBox(
            [
                w.HBox([w.VBox([self.metric, self.status]), self.pattern, self.compare]),
                self.info,
                self.legend,
                self.image,
                self.detail,
            ]
        )
        self.redraw()

    def _on_change(self, _change: Any) -> None:
        self.redraw()

    def filtered(self) -> pd.DataFrame:
        """The experiments that pass the status and pattern filters."""
        frame = self.frame
        mask = frame["status"].isin(self.status.value) & frame["pattern"].isin(self.pattern.value)
        return frame[mask]

    def figure(self) -> Figure:
        """The main chart for the current control values."""
        metric = self.metric.value
        if self.problem:
            return message_figure("Experiments", self.problem)
        if self.frame.empty:
            return plot_experiments(self.frame)
        if not metric:
            return message_figure("Experiments", "results.tsv has no numbers to chart yet.")
        rows = self.filtered()
        if rows.empty:
            return message_figure(
                f"Per experiment: {METRICS[metric].label}",
                "No experiment matches the filters: select at least one status and one pattern.",
            )
        return plot_experiments(
            self.frame,
            metric,
            max_points=self.max_points,
            highlight=self.compare.value,
            rows=rows.index,
            legend=False,
        )

    def redraw(self) -> float:
        """Redraw the chart (and the comparison, when experiments are picked) in place.

        Returns:
            The seconds the redraw took.
        """
        start = time.perf_counter()
        rows = self.filtered()
        self.image.value = _png(self.figure())
        picked = [e for e in self.compare.value if e in self.frame.index]
        if picked and self.metric.value:
            self.detail.value = _png(plot_keeps(self.frame, self.metric.value, experiments=picked))
            self.detail.layout.display = None
        else:
            self.detail.layout.display = "none"
        self.info.value = self._info_html(len(rows), picked)
        self.last_redraw_s = time.perf_counter() - start
        return self.last_redraw_s

    def _info_html(self, shown: int, picked: list[int]) -> str:
        total = len(self.frame)
        if self.problem:
            return f"<b style='color:#c0392b'>{html.escape(self.problem)}</b>"
        if total == 0:
            return "<i>results.tsv has no experiments yet.</i>"
        keeps = int((self.frame["status"] == "KEEP").sum())
        text = (
            f"{shown:,} of {total:,} experiments shown · {keeps:,} KEEP · {total - keeps:,} DISCARD"
        )
        if picked:
            text += " · comparing " + ", ".join(f"#{e}" for e in picked)
        return f"<span style='color:#555'>{html.escape(text)}</span>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
