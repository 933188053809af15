"""asyncio debug-mode capture: run a command under it, or switch it on around async code.

A command runs with ``PYTHONASYNCIODEBUG=1`` and ``PYTHONDEVMODE=1`` (plus ``-X dev`` when
it is a Python command); a small start-up hook in every child Python process lowers the
slow-callback threshold and samples the stack of each slow callback, so the report names
the line that blocked. ``capture.DebugCapture`` does the same in process.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from codeflash_lab.profiling.debug_parse import parse_output, parse_sink
from codeflash_lab.profiling.records import (
    DEFAULT_THRESHOLD_MS,
    DebugReport,
    check_threshold,
    no_loop_note,
    skipped_note,
)

__all__ = ["debug_env", "debug_target", "python_command", "run_debug"]

_CHILD_DIR = Path(__file__).resolve().parent / "_child"
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")
_TAIL_LINES = 40


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
    env["CODEFLASH_LAB_SLOW_MS"] = repr(check_threshold(threshold_ms))
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
    env: Mapping[str, str] | None = None,
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
        env: extra environment variables for the command.

    Returns:
        The :class:`DebugReport`.

    Raises:
        ValueError: ``command`` is empty or ``threshold_ms`` is not positive.
    """
    if not command:
        raise ValueError("command: expected a program to run, got nothing")
    threshold_ms = check_threshold(threshold_ms)
    cmd = python_command(command, trace_alloc_frames=trace_alloc_frames)
    fd, sink = tempfile.mkstemp(prefix="codeflash-lab-debug-", suffix=".jsonl")
    os.close(fd)
    child_env = debug_env(threshold_ms, sink, trace_alloc_frames=trace_alloc_frames)
    child_env.update(env or {})
    started = time.perf_counter()
    notes: list[str] = []
    output: list[str] = []
    exit_code: int | None
    try:
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            exit_code = 127 if isinstance(exc, FileNotFoundError) else 126
            output.append(f"{command[0]}: {exc.strerror or exc}\n")
            notes.append(f"the command could not start: {exc.strerror or exc}")
        else:
            exit_code = _pump(proc, output, echo, timeout_s, notes)
        sink_lines = Path(sink).read_text(encoding="utf-8", errors="replace").splitlines()
    finally:
        Path(sink).unlink(missing_ok=True)
    text = "".join(output)
    slow, loop_seen_sink, skipped = parse_sink(sink_lines)
    if skipped:
        notes.append(skipped_note(skipped))
    records = slow + parse_output(text, include_slow=not sink_lines)
    loop_seen: bool | None = loop_seen_sink or bool(records) or None
    if sink_lines == [] and not records and "asyncio" not in text:
        loop_seen = False if _is_python(cmd) else None
    started_ok = exit_code not in (126, 127) or bool(sink_lines)
    if started_ok and (loop_seen is False or (loop_seen is None and not records)):
        notes.append(no_loop_note())
    if exit_code not in (0, None) and started_ok:
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


def debug_target(
    spec: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    threshold_ms: float = DEFAULT_THRESHOLD_MS,
    timeout_s: float | None = None,
    trace_alloc_frames: int = 0,
    echo: TextIO | None = None,
    python: str | None = None,
) -> DebugReport:
    """Await a target spec once under asyncio debug mode, in the project's interpreter.

    The measuring child runs as a Python command under :func:`run_debug` (``-X dev``,
    ``PYTHONASYNCIODEBUG=1`` and the slow-callback hook), so the report has the same
    records as ``debug -- CMD``.

    Args:
        spec: ``package.module:function`` or ``path/to/file.py:function``.
        cwd: folder the target is resolved from (and the command's working folder).
        threshold_ms: slow-callback threshold.
        timeout_s: stop it after this long (``None``: no limit).
        trace_alloc_frames: see :func:`python_command`.
        echo: stream its output here as it runs.
        python: the interpreter (default: the project's, found from ``cwd``).

    Raises:
        TargetError: the spec does not parse.
    """
    import json

    from codeflash_lab.profiling.in_project import CHILD_SCRIPT, interpreter_for, target_job

    job = {**target_job(spec, cwd=cwd), "mode": "call"}
    python_path = interpreter_for(cwd, python).path
    fd, job_file = tempfile.mkstemp(prefix="codeflash-lab-debug-job-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(job, fh)
    try:
        report = run_debug(
            [python_path, str(CHILD_SCRIPT), job_file],
            threshold_ms=threshold_ms,
            cwd=cwd,
            timeout_s=timeout_s,
            trace_alloc_frames=trace_alloc_frames,
            echo=echo,
        )
    finally:
        Path(job_file).unlink(missing_ok=True)
    return dataclasses.replace(report, command=(spec,))
