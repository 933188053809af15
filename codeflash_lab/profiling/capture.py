"""In-process asyncio debug mode: switch it on around async code and record what it reports."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from codeflash_lab.profiling._stack import in_debug_bookkeeping, user_frame
from codeflash_lab.profiling._sync import run_sync
from codeflash_lab.profiling.debug_parse import parse_output
from codeflash_lab.profiling.lag import LagMonitor
from codeflash_lab.profiling.records import (
    DEFAULT_THRESHOLD_MS,
    DebugRecord,
    DebugReport,
    check_threshold,
    skipped_note,
)

__all__ = ["DebugCapture", "debug_callable"]


class DebugCapture:
    """Switch asyncio debug mode on for the running loop and record what it reports.

    ::

        async with DebugCapture(threshold_ms=20) as cap:
            await handler()
        cap.report()

    While active: the loop runs in debug mode with ``slow_callback_duration`` set to the
    threshold, coroutine origins are tracked, each slow callback is timed and its stack
    sampled, and the ``asyncio`` logger and warnings are captured instead of printed.
    Warnings that are not asyncio's are re-issued on exit.

    Args:
        threshold_ms: slow-callback threshold (default 20 ms).

    Raises:
        ValueError: ``threshold_ms`` is not positive.
    """

    def __init__(self, threshold_ms: float = DEFAULT_THRESHOLD_MS) -> None:
        self.threshold_ms = check_threshold(threshold_ms)
        self._monitor = LagMonitor(threshold_ms=self.threshold_ms, hook=True)
        self._log: list[logging.LogRecord] = []
        self._warnings: list[warnings.WarningMessage] = []
        self._records: tuple[DebugRecord, ...] | None = None
        self._restore: list[Callable[[], None]] = []
        self._catch: warnings.catch_warnings[list[warnings.WarningMessage]] | None = None
        self._started = 0.0
        self._duration = 0.0
        self._skipped = 0

    async def __aenter__(self) -> DebugCapture:
        loop = asyncio.get_running_loop()
        self._started = time.perf_counter()
        debug, slow = loop.get_debug(), loop.slow_callback_duration
        loop.set_debug(True)
        loop.slow_callback_duration = self.threshold_ms / 1000.0

        def restore_loop() -> None:
            loop.set_debug(debug)
            loop.slow_callback_duration = slow

        self._restore.append(restore_loop)
        depth = sys.get_coroutine_origin_tracking_depth()
        sys.set_coroutine_origin_tracking_depth(max(depth, 10))
        self._restore.append(lambda: sys.set_coroutine_origin_tracking_depth(depth))
        logger = logging.getLogger("asyncio")
        handler = _ListHandler(self._log)
        propagate = logger.propagate
        logger.addHandler(handler)
        logger.propagate = False

        def restore_logger() -> None:
            logger.removeHandler(handler)
            logger.propagate = propagate

        self._restore.append(restore_logger)
        self._catch = warnings.catch_warnings(record=True)
        self._warnings = self._catch.__enter__()
        warnings.simplefilter("always")
        await self._monitor.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._monitor.__aexit__(exc_type, exc, tb)
        finally:
            # Loop settings first, so asyncio does not report our own collection below.
            for undo in reversed(self._restore[:1]):
                undo()
            try:
                gc.collect()  # dropped coroutines and leaked transports warn when collected
            finally:
                if self._catch is not None:
                    self._catch.__exit__(None, None, None)
                for undo in reversed(self._restore[1:]):
                    undo()
                self._restore.clear()
                self._duration = time.perf_counter() - self._started
        self._records = tuple(self._collect(reissue=True))

    def _collect(self, *, reissue: bool = False) -> list[DebugRecord]:
        lag = self._monitor.result()
        records: list[DebugRecord] = []
        self._skipped = 0
        for cb in lag.slow_callbacks:
            if in_debug_bookkeeping(cb.stack):
                self._skipped += 1
                continue
            where = user_frame(cb.stack) if cb.stack else None
            records.append(
                DebugRecord(
                    kind="slow-callback",
                    name=cb.task or cb.callback,
                    duration_ms=cb.duration_ms,
                    path=where[0] if where else cb.path,
                    line=where[1] if where else cb.line,
                    stack=cb.stack,
                    message=f"Executing {cb.callback} took {cb.duration_ms / 1000:.3f} seconds",
                )
            )
        text = "\n".join(
            r.getMessage() for r in self._log if not r.getMessage().startswith("Executing ")
        )
        records.extend(parse_output(text, include_slow=False))
        for w in self._warnings:
            formatted = warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line)
            found = parse_output(formatted, include_slow=False)
            if found:
                records.extend(found)
            elif reissue:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        return records

    def report(self) -> DebugReport:
        """The report (records so far while the block still runs)."""
        records = self._records if self._records is not None else tuple(self._collect())
        return DebugReport(
            records=records,
            threshold_ms=self.threshold_ms,
            loop_seen=True,
            duration_s=self._duration,
            notes=(skipped_note(self._skipped),) if self._skipped else (),
        )


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(level=logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


def debug_callable(
    func: Callable[..., Awaitable[Any]],
    *args: Any,
    threshold_ms: float = DEFAULT_THRESHOLD_MS,
    **kwargs: Any,
) -> DebugReport:
    """Await ``func(*args, **kwargs)`` once on a fresh loop under :class:`DebugCapture`.

    Works from a script and inside Jupyter (where it runs in a worker thread). An
    exception raised by ``func`` is noted on the report, not raised.

    Args:
        func: the async callable.
        *args: positional arguments for it.
        threshold_ms: slow-callback threshold.
        **kwargs: keyword arguments for it.

    Returns:
        The :class:`DebugReport`.
    """
    capture = DebugCapture(threshold_ms)

    async def main() -> str | None:
        async with capture:
            try:
                await func(*args, **kwargs)
            except Exception as exc:
                return f"the target raised {type(exc).__name__}: {exc}"
        return None

    failure = run_sync(main)
    report = capture.report()
    if failure is None:
        return report
    return DebugReport(
        records=report.records,
        threshold_ms=report.threshold_ms,
        exit_code=1,
        output_tail=failure,
        loop_seen=True,
        duration_s=report.duration_s,
        notes=(failure,),
    )
