"""A live chart of results.tsv that refreshes while a benchmark or experiment series runs.

The chart is a PNG in an ``ipywidgets.Image`` (redrawn in place) under a
progress bar; :meth:`LiveView.watch` blocks a notebook cell while a subprocess
runs, :meth:`LiveView.follow` does the same without blocking the event loop.
"""

from __future__ import annotations

import asyncio
import html
import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

from codeflash_lab.viz.data import METRICS, results_path
from codeflash_lab.viz.log_charts import plot_experiments
from codeflash_lab.viz.style import figure_png, message_figure

__all__ = ["LiveView"]

_DPI = 80.0


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
        self.path = results_path(source)
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


def _png(fig: Any) -> bytes:
    return figure_png(fig, dpi=_DPI)
