"""Results of the event-loop lag monitor: the timeline, percentiles and attributed stalls.

:func:`lag_result_from_dict` rebuilds one from its JSON form (the measuring child's ``lag``
document has the same shape as :meth:`LagResult.to_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codeflash_lab.profiling._hook import SlowCallback
from codeflash_lab.profiling._render import html_table, percentile, text_table
from codeflash_lab.profiling._stack import StackEntry

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LagResult", "Stall", "lag_result_from_dict"]


@dataclass(frozen=True)
class Stall:
    """One probe wake-up later than the threshold, with what was running meanwhile.

    Attributes:
        t_s: when the probe woke, seconds since the monitor started.
        lag_ms: how late it woke.
        task: the task that was running when the stall was sampled (``name: coroutine``).
        callback: the callback that ran (the outermost frame under the loop, or the hook's text).
        path: source file of the innermost user-code frame of the stack sample.
        line: its line number.
        duration_ms: the callback's own run time when ``hook=True`` measured it.
        stack: the stack sample, outermost first, as ``(path, line, function)``.
    """

    t_s: float
    lag_ms: float
    task: str | None = None
    callback: str | None = None
    path: str | None = None
    line: int | None = None
    duration_ms: float | None = None
    stack: tuple[StackEntry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the stack as a list of ``[path, line, function]``)."""
        return {
            "t_s": self.t_s,
            "lag_ms": self.lag_ms,
            "task": self.task,
            "callback": self.callback,
            "path": self.path,
            "line": self.line,
            "duration_ms": self.duration_ms,
            "stack": [list(e) for e in self.stack],
        }


@dataclass(frozen=True)
class LagResult:
    """What the probe saw: lag percentiles, the timeline and the stalls.

    Attributes:
        interval_s: the probe's sleep between samples.
        threshold_ms: lag above which a sample counts as a stall.
        duration_s: how long the monitor ran.
        samples: the timeline, ``(t_s, lag_ms)`` per probe wake-up.
        stalls: samples above the threshold, with their culprit when known.
        slow_callbacks: callbacks over the threshold timed by the hook (``hook=True`` only).
    """

    interval_s: float
    threshold_ms: float
    duration_s: float
    samples: tuple[tuple[float, float], ...]
    stalls: tuple[Stall, ...] = ()
    slow_callbacks: tuple[SlowCallback, ...] = field(default=())

    @property
    def lags_ms(self) -> list[float]:
        """The lag of every sample, in timeline order."""
        return [lag for _t, lag in self.samples]

    @property
    def p50_ms(self) -> float:
        """Median lag (ms)."""
        return percentile(self.lags_ms, 50)

    @property
    def p99_ms(self) -> float:
        """99th-percentile lag (ms)."""
        return percentile(self.lags_ms, 99)

    @property
    def max_ms(self) -> float:
        """Largest lag (ms); ``0.0`` when no sample was taken."""
        return max(self.lags_ms, default=0.0)

    @property
    def stalled_ms(self) -> float:
        """Sum of the lag of every stall: a lower bound of the time the loop was blocked."""
        return sum(s.lag_ms for s in self.stalls)

    def summary(self) -> dict[str, Any]:
        """The headline numbers as a flat dict."""
        return {
            "sample_count": len(self.samples),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "stalls": len(self.stalls),
            "stalled_ms": self.stalled_ms,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (saved as a ``lag`` run)."""
        return {
            "interval_s": self.interval_s,
            "threshold_ms": self.threshold_ms,
            "duration_s": self.duration_s,
            **self.summary(),
            "samples": [list(s) for s in self.samples],
            "stall_list": [s.to_dict() for s in self.stalls],
            "slow_callbacks": [c.to_dict() for c in self.slow_callbacks],
        }

    def to_frame(self) -> pd.DataFrame:
        """The timeline: one row per probe wake-up (``t_s``, ``lag_ms``, ``stall``)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "t_s": [t for t, _ in self.samples],
                "lag_ms": self.lags_ms,
                "stall": [lag > self.threshold_ms for _, lag in self.samples],
            }
        )

    def stalls_frame(self) -> pd.DataFrame:
        """One row per stall: time, lag, task, callback, source location."""
        import pandas as pd

        cols = ["t_s", "lag_ms", "task", "callback", "path", "line", "duration_ms"]
        return pd.DataFrame([{c: getattr(s, c) for c in cols} for s in self.stalls], columns=cols)

    def _rows(self) -> list[list[Any]]:
        return [
            [s.t_s, s.lag_ms, s.task, s.callback, f"{s.path}:{s.line}" if s.path else ""]
            for s in self.stalls
        ]

    def _headline(self) -> str:
        return (
            f"event-loop lag over {self.duration_s:.2f} s ({len(self.samples)} samples): "
            f"p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms, max {self.max_ms:.2f} ms; "
            f"{len(self.stalls)} stall(s) over {self.threshold_ms:g} ms"
        )

    def __str__(self) -> str:
        text = self._headline()
        if self.stalls:
            headers = ["t_s", "lag_ms", "task", "callback", "where"]
            text += "\n" + text_table(headers, self._rows())
        return text

    def _repr_html_(self) -> str:
        return html_table(
            ["t_s", "lag_ms", "task", "callback", "where"],
            self._rows(),
            caption=self._headline(),
        )


def _stack(entries: Any) -> tuple[StackEntry, ...]:
    return tuple((str(p), int(n), str(f)) for p, n, f in entries or ())


def lag_result_from_dict(data: dict[str, Any]) -> LagResult:
    """Rebuild a :class:`LagResult` from the measuring child's ``lag`` document."""
    stalls = tuple(
        Stall(
            t_s=float(s["t_s"]),
            lag_ms=float(s["lag_ms"]),
            task=s.get("task"),
            callback=s.get("callback"),
            path=s.get("path"),
            line=s.get("line"),
            duration_ms=s.get("duration_ms"),
            stack=_stack(s.get("stack")),
        )
        for s in data.get("stall_list", ())
    )
    slow = tuple(
        SlowCallback(
            start=float(c["start"]),
            end=float(c["end"]),
            duration_ms=float(c["duration_ms"]),
            callback=str(c["callback"]),
            task=c.get("task"),
            path=c.get("path"),
            line=c.get("line"),
            stack=_stack(c.get("stack")),
        )
        for c in data.get("slow_callbacks", ())
    )
    return LagResult(
        interval_s=float(data["interval_s"]),
        threshold_ms=float(data["threshold_ms"]),
        duration_s=float(data["duration_s"]),
        samples=tuple((float(t), float(v)) for t, v in data.get("samples", ())),
        stalls=stalls,
        slow_callbacks=slow,
    )
