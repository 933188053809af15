"""asyncio debug-mode capture: run a command under it, or switch it on around async code.

A command runs with ``PYTHONASYNCIODEBUG=1`` and ``PYTHONDEVMODE=1`` (plus ``-X dev`` when
it is a Python command); a small start-up hook in every child Python process lowers the
slow-callback threshold and samples the stack of each slow callback, so the report names
the line that blocked. In process, :class:`DebugCapture` does the same on the running loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from codeflash_lab.profiling._stack import in_debug_bookkeeping, user_frame
from codeflash_lab.profiling._sync import run_sync
from codeflash_lab.profiling.debug_parse import parse_output, parse_sink
from codeflash_lab.profiling.lag import LagMonitor
from codeflash_lab.profiling.records import (
    DEFAULT_THRESHOLD_MS,
    DebugRecord,
    DebugReport,
    no_loop_note,
)

__all__ = ["DebugCapture", "debug_callable", "debug_env", "python_command", "run_debug"]

_CHILD_DIR = Path(__file__).resolve().parent / "_child"
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")
_TAIL_LINES = 40


def _check_threshold(threshold_ms: float) -> float:
    if not threshold_ms > 0:
        raise ValueError(f"threshold_ms: expected a positive number, got {threshold_ms!r}")
    return float(threshold_ms)


def python_command(command: Sequence[str], *, trace_alloc_frames: int = 0) -> list[str]:
    """``command`` with ``-X dev`` (and ``-X tracemalloc=N``) inserted when it runs Python.

    Args:
        command: the program and its arguments.
        trace_alloc_frames: frames tracemalloc keeps (0: off); lets unclosed-resource
            warnings name the line that created the resource, at a large speed cost.

    Returns:
        The command to run (unchanged when the program is not a Python interpreter).
    """
    cmd = list(command)
    if cmd and (_PYTHON_NAME.match(Path(cmd[0]).name) or cmd[0] == sys.executable):
        extra = ["-X", "dev"]
        if trace_alloc_frames > 0:
            extra += ["-X", f"tracemalloc={trace_alloc_frames}"]
        cmd[1:1] = extra
    return cmd


def debug_env(
    threshold_ms: float,
    sink: str | os.PathLike[str],
    *,
    trace_alloc_frames: int = 0,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment that puts any Python process it reaches into asyncio debug mode.

    Args:
        threshold_ms: slow-callback threshold set on every event loop created.
        sink: file the child-process hook appends its JSON lines to.
        trace_alloc_frames: ``PYTHONTRACEMALLOC`` frames (0: unset).
        base: the environment to extend (default: this process's).

    Returns:
        A new environment mapping.
    """
    env = dict(os.environ if base is None else base)
    env["PYTHONASYNCIODEBUG"] = "1"
    env["PYTHONDEVMODE"] = "1"
    env["CODEFLASH_LAB_DEBUG_SINK"] = str(sink)
    env["CODEFLASH_LAB_SLOW_MS"] = repr(_check_threshold(threshold_ms))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_CHILD_DIR), env.get("PYTHONPATH")) if p)
    if trace_alloc_frames > 0:
        env["PYTHONTRACEMALLOC"] = str(trace_alloc_frames)
    return env


def run_debug(
    command: Sequence[str],
    *,
    threshold_ms: float = DEFAULT_THRESHOLD_MS,
    cwd: str | os.PathLike[str] | None = None,
    timeout_s: float | None = None,
    trace_alloc_frames: int = 0,
    echo: TextIO | None = None,
) -> DebugReport:
    """Run ``command`` under asyncio debug mode and collect what it reports.

    A command that cannot start or exits non-zero still gives a report: its exit code
    (127 when not found), the tail of its output and every record seen before it ended.

    Args:
        command: the program and its arguments (``["pytest", "tests/test_x.py"]``, ...).
        threshold_ms: slow-callback threshold (default 20 ms, above the idle lag floor).
        cwd: working folder for the command.
        timeout_s: kill the command after this long (``None``: no limit).
        trace_alloc_frames: see :func:`python_command`.
        echo: stream the command's output here as it runs (``None``: stay quiet).

    Returns:
        The :class:`DebugReport`.

    Raises:
        ValueError: ``command`` is empty or ``threshold_ms`` is not positive.
    """
    if not command:
        raise ValueError("command: expected a program to run, got nothing")
    threshold_ms = _check_threshold(threshold_ms)
    cmd = python_command(command, trace_alloc_frames=trace_alloc_frames)
    fd, sink = tempfile.mkstemp(prefix="codeflash-lab-debug-", suffix=".jsonl")
    os.close(fd)
    env = debug_env(threshold_ms, sink, trace_alloc_frames=trace_alloc_frames)
    started = time.perf_counter()
    notes: list[str] = []
    output: list[str] = []
    exit_code: int | None
    try:
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            exit_code = 127 if isinstance(exc, FileNotFoundError) else 126
            output.append(f"{command[0]}: {exc.strerror or exc}")
            notes.append(f"the command could not start: {exc.strerror or exc}")
        else:
            exit_code = _pump(proc, output, echo, timeout_s, notes)
        sink_lines = Path(sink).read_text(encoding="utf-8", errors="replace").splitlines()
    finally:
        Path(sink).unlink(missing_ok=True)
    text = "".join(output)
    slow, loop_seen_sink, skipped = parse_sink(sink_lines)
    if skipped:
        notes.append(_skipped_note(skipped))
    records = slow + parse_output(text, include_slow=not sink_lines)
    loop_seen: bool | None = loop_seen_sink or bool(records) or None
    if sink_lines == [] and not records and "asyncio" not in text:
        loop_seen = False if _is_python(cmd) else None
    if loop_seen is False or (loop_seen is None and not records):
        notes.append(no_loop_note())
    if exit_code not in (0, None) and not notes:
        notes.append(f"the command exited with code {exit_code}; records seen before that are kept")
    tail = "".join(deque(text.splitlines(keepends=True), maxlen=_TAIL_LINES))
    return DebugReport(
        records=tuple(records),
        threshold_ms=threshold_ms,
        command=tuple(command),
        exit_code=exit_code,
        output_tail=tail,
        loop_seen=loop_seen,
        duration_s=time.perf_counter() - started,
        notes=tuple(notes),
    )


def _skipped_note(count: int) -> str:
    return (
        f"{count} slow callback(s) left out: sampled inside asyncio debug mode's own "
        "traceback bookkeeping (instrument overhead, not the program)"
    )


def _is_python(cmd: Sequence[str]) -> bool:
    return bool(cmd) and bool(_PYTHON_NAME.match(Path(cmd[0]).name) or cmd[0] == sys.executable)


def _pump(
    proc: subprocess.Popen[str],
    output: list[str],
    echo: TextIO | None,
    timeout_s: float | None,
    notes: list[str],
) -> int | None:
    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if echo is not None:
                echo.write(line)
                echo.flush()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code: int | None = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        code = None
        notes.append(f"the command was stopped after {timeout_s:g} s; records seen so far are kept")
    reader.join(timeout=5.0)
    if proc.stdout is not None:
        proc.stdout.close()
    return code


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
        self.threshold_ms = _check_threshold(threshold_ms)
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
            gc.collect()
        finally:
            if self._catch is not None:
                self._catch.__exit__(None, None, None)
            for undo in reversed(self._restore):
                undo()
            self._restore.clear()
            self._duration = time.perf_counter() - self._started
        self._records = tuple(self._collect())

    def _collect(self) -> list[DebugRecord]:
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
            else:
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
            notes=(_skipped_note(self._skipped),) if self._skipped else (),
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
