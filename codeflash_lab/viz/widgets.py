"""ipywidgets dashboards over a results.tsv: an explorer with filters, and a live view.

Charts are drawn to PNG and shown in an ``ipywidgets.Image``, so a redraw
replaces the picture in place and no Output widget is involved (headless
notebook runners stall on Output widgets, see the notebook notes). Every menu is
built from the data; nothing is hard-coded.
"""

from __future__ import annotations

import asyncio
import html
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.viz.data import METRICS, available_metrics, experiments_frame
from codeflash_lab.viz.log_charts import plot_experiments, plot_keeps
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

__all__ = ["LiveView", "ResultsDashboard", "legend_html"]

_DPI = 80.0


def _results_path(source: str | os.PathLike[str]) -> Path:
    path = Path(source)
    if path.is_dir():
        return (
            path / "results.tsv"
            if path.name == ".codeflash"
            else path / ".codeflash" / "results.tsv"
        )
    return path


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
    """

    def __init__(self, source: Any, *, max_points: int = 400) -> None:
        import ipywidgets as w

        self.frame: pd.DataFrame = experiments_frame(source)
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


class LiveView:
    """A chart of results.tsv that refreshes while a benchmark or experiment series runs.

    Args:
        source: the results.tsv path or the project folder (the file may not exist yet).
        metric: ``"p50"``, ``"p99"`` or ``"throughput"``.
        total: how many new experiments to expect (drives the progress bar), if known.
        interval_s: how often :meth:`watch`/:meth:`follow` look at the file.

    Raises:
        ValueError: an unknown ``metric`` or a non-positive ``interval_s``.
    """

    def __init__(
        self,
        source: str | os.PathLike[str],
        *,
        metric: str = "p50",
        total: int | None = None,
        interval_s: float = 1.0,
    ) -> None:
        import ipywidgets as w

        if metric not in METRICS:
            raise ValueError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}")
        if interval_s <= 0:
            raise ValueError(f"interval_s: must be positive, got {interval_s}")
        self.path = _results_path(source)
        self.metric = metric
        self.interval_s = interval_s
        self.total = total
        self.progress = w.FloatProgress(min=0.0, max=1.0, value=0.0, description="Progress")
        self.label = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.widget = w.VBox([w.HBox([self.progress, self.label]), self.image])
        self._stamp: tuple[int, int] | None = None
        self.rows = 0
        self._start_rows: int | None = None
        self.refresh(force=True)
        self._start_rows = self.rows

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read results.tsv and redraw when the file changed.

        Returns:
            True when the chart was redrawn.
        """
        stamp = self._file_stamp()
        if not force and stamp == self._stamp:
            return False
        self._stamp = stamp
        from codeflash_lab.errors import ResultsFormatError
        from codeflash_lab.workspace.results import read_results

        try:
            log = read_results(self.path, strict=False)
        except ResultsFormatError as exc:
            self.image.value = _png(
                message_figure("Live results", f"results.tsv cannot be read: {exc}")
            )
            return True
        self.rows = len(log)
        self.image.value = _png(plot_experiments(log, self.metric))
        if self.total and self._start_rows is not None:
            self.set_progress(self.rows - self._start_rows, self.total)
        else:
            self.label.value = html.escape(f"{self.rows} experiments")
        return True

    def set_progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Move the progress bar (usable as a progress callback).

        Args:
            done: work done so far.
            total: the whole amount of work (keeps the previous total when omitted).
            message: shown next to the bar.
        """
        if total:
            self.progress.max = float(total)
        self.progress.value = max(0.0, min(float(done), self.progress.max))
        pct = 100.0 * self.progress.value / self.progress.max if self.progress.max else 0.0
        text = message or f"{done:g} of {self.progress.max:g}"
        self.label.value = html.escape(f"{text} ({pct:.0f}%)")

    def _finish(self, ok: bool, message: str) -> None:
        self.refresh(force=True)
        self.progress.value = self.progress.max
        self.progress.bar_style = "success" if ok else "danger"
        self.label.value = html.escape(message)

    def _tick(self, start: float, expected_s: float | None) -> None:
        self.refresh()
        if expected_s and not self.total:
            elapsed = time.monotonic() - start
            self.set_progress(
                min(elapsed, expected_s * 0.99), expected_s, f"running, {elapsed:.0f} s"
            )

    def watch(
        self,
        until: subprocess.Popen[Any] | Callable[[], bool] | None = None,
        *,
        expected_s: float | None = None,
        timeout_s: float = 600.0,
    ) -> bool:
        """Refresh until ``until`` says the work is done (blocking; for a notebook cell).

        Args:
            until: a ``subprocess.Popen`` (done when it exits), a callable returning
                True when done, or None to watch for ``timeout_s``.
            expected_s: how long the work should take; moves the bar by elapsed time.
            timeout_s: stop watching after this many seconds.

        Returns:
            True when the work finished (and, for a process, exited with status 0).
        """
        start = time.monotonic()
        done = _done_check(until)
        while time.monotonic() - start < timeout_s:
            self._tick(start, expected_s)
            finished, ok = done()
            if finished:
                self._finish(ok, "finished" if ok else "failed")
                return ok
            time.sleep(self.interval_s)
        self._finish(False, f"stopped watching after {timeout_s:g} s")
        return False

    async def follow(
        self,
        until: Any = None,
        *,
        expected_s: float | None = None,
        timeout_s: float = 600.0,
    ) -> bool:
        """Like :meth:`watch`, without blocking the event loop (await it, or wrap it in a task).

        ``until`` may also be an ``asyncio.subprocess.Process`` or an awaitable task.
        """
        start = time.monotonic()
        done = _done_check(until)
        while time.monotonic() - start < timeout_s:
            self._tick(start, expected_s)
            finished, ok = done()
            if finished:
                self._finish(ok, "finished" if ok else "failed")
                return ok
            await asyncio.sleep(self.interval_s)
        self._finish(False, f"stopped watching after {timeout_s:g} s")
        return False

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _done_check(until: Any) -> Callable[[], tuple[bool, bool]]:
    """A ``() -> (finished, ok)`` probe for the things :meth:`LiveView.watch` accepts."""
    if until is None:
        return lambda: (False, False)
    if isinstance(until, subprocess.Popen):
        return lambda: (until.poll() is not None, until.returncode == 0)
    if isinstance(until, asyncio.subprocess.Process):
        return lambda: (until.returncode is not None, until.returncode == 0)
    if isinstance(until, asyncio.Future):
        return lambda: (
            until.done(),
            until.done() and not until.cancelled() and until.exception() is None,
        )
    if callable(until):
        return lambda: (bool(until()), True)
    raise ValueError(f"until: expected a process, a task or a callable, got {type(until).__name__}")
