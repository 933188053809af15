"""yappi WALL-clock profile of a callable, a target or a block, one row per function/coroutine.

yappi slows an op-heavy loop about 9x (5.5-15x measured on a 2-vCPU machine), so a
profile is always its own pass: its times show where wall time goes, never how fast.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from codeflash_lab.errors import ProfilingError
from codeflash_lab.profiling._stack import is_library_path
from codeflash_lab.profiling._sync import run_sync
from codeflash_lab.profiling.profile_result import OWN_PASS_NOTE, ProfileResult, ProfileRow
from codeflash_lab.profiling.readings import (
    OWN_TIME_READINGS,
    cpu_availability,
    reading_for,
    with_cpu_pass,
)

__all__ = [
    "OWN_PASS_NOTE",
    "ProfileResult",
    "ProfileRow",
    "Profiler",
    "profile_block",
    "profile_callable",
    "profile_target",
    "reading_for",
    "with_cpu_pass",
]

#: Our own files that run while yappi does, hidden from the rows.
_OWN_FILES = (__file__, inspect.getfile(run_sync), inspect.getfile(ProfileResult))


def _import_yappi() -> Any:
    try:
        import yappi
    except ImportError as exc:  # pragma: no cover - yappi is a declared dependency
        raise ProfilingError("yappi is not installed: pip install yappi") from exc
    return yappi


class Profiler:
    """Collects a yappi WALL profile between :meth:`start` and :meth:`stop`.

    Only the thread that called :meth:`start` (or ``thread_id``) is reported.

    Args:
        include_library: keep rows from the standard library and installed packages.
        top: keep at most this many rows (``None``: all).

    Raises:
        ValueError: ``top`` is not positive.
    """

    def __init__(
        self, *, include_library: bool = False, top: int | None = None, clock: str = "wall"
    ) -> None:
        if top is not None and top < 1:
            raise ValueError(f"top: expected a positive number, got {top!r}")
        if clock not in ("wall", "cpu"):
            raise ValueError(f"clock: expected 'wall' or 'cpu', got {clock!r}")
        self.clock = clock
        self.include_library = include_library
        self.top = top
        self._started = 0.0
        self._wall = 0.0
        self.thread_id: int | None = None

    def start(self) -> None:
        """Clear yappi and start it with the wall clock.

        Raises:
            ProfilingError: yappi is already running (one profile at a time per process).
        """
        yappi = _import_yappi()
        if yappi.is_running():
            raise ProfilingError("yappi is already running in this process; one profile at a time")
        yappi.clear_stats()
        yappi.set_clock_type(self.clock)
        self.thread_id = self.thread_id or threading.get_ident()
        self._started = time.perf_counter()
        yappi.start(builtins=False, profile_threads=True)

    def stop(self) -> None:
        """Stop yappi (the collected stats stay until :meth:`result`)."""
        yappi = _import_yappi()
        yappi.stop()
        self._wall = time.perf_counter() - self._started

    def result(
        self, *, target: str = "", calls: int = 0, error: str | None = None
    ) -> ProfileResult:
        """The rows for the profiled thread, then yappi's stats are cleared."""
        yappi = _import_yappi()
        ctx = next(
            (t.id for t in yappi.get_thread_stats() if t.tid == self.thread_id),
            None,
        )
        stats = yappi.get_func_stats(filter={"ctx_id": ctx} if ctx is not None else None)
        own = _OWN_FILES
        rows: list[ProfileRow] = []
        hidden = 0
        for s in stats:
            if s.module in own or (not self.include_library and is_library_path(s.module)):
                hidden += 1
                continue
            rows.append(
                ProfileRow(
                    name=s.name,
                    path=s.module,
                    line=int(s.lineno),
                    ncall=int(s.ncall),
                    ttot_s=float(s.ttot),
                    tsub_s=float(s.tsub),
                    reading=reading_for(float(s.ttot), float(s.tsub), self._wall),
                )
            )
        yappi.clear_stats()
        rows.sort(key=lambda r: r.ttot_s, reverse=True)
        if self.top is not None and len(rows) > self.top:
            hidden += len(rows) - self.top
            rows = rows[: self.top]
        return ProfileResult(
            rows=tuple(rows),
            wall_s=self._wall,
            target=target,
            calls=calls,
            error=error,
            hidden_rows=hidden,
        )


@contextmanager
def profile_block(*, include_library: bool = False, top: int | None = None) -> Iterator[Profiler]:
    """Profile the code inside a ``with`` block (sync or async code on this thread)::

        with profile_block() as prof:
            await handler()
        prof.result()

    Args:
        include_library: keep rows from the standard library and installed packages.
        top: keep at most this many rows.

    Yields:
        The :class:`Profiler`; call ``.result()`` after the block.
    """
    prof = Profiler(include_library=include_library, top=top)
    prof.start()
    try:
        yield prof
    finally:
        prof.stop()


def profile_callable(
    func: Callable[..., Awaitable[Any]],
    *args: Any,
    duration_s: float = 0.0,
    max_calls: int = 1000,
    include_library: bool = False,
    top: int | None = 30,
    label: str | None = None,
    **kwargs: Any,
) -> ProfileResult:
    """Await ``func(*args, **kwargs)`` on a fresh loop under a yappi WALL profile.

    The target runs once, or again and again until ``duration_s`` has passed (at most
    ``max_calls`` times). An exception ends the run but keeps the partial profile, with
    the error on :attr:`ProfileResult.error`. Inside Jupyter the loop runs in a worker
    thread, which is the thread reported.

    Args:
        func: the async callable.
        *args: positional arguments for it.
        duration_s: keep calling it until this much time has passed (0: once).
        max_calls: upper bound on calls.
        include_library: keep rows from the standard library and installed packages.
        top: keep at most this many rows.
        label: name shown for the target (default: the function's qualified name).
        **kwargs: keyword arguments for it.

    Returns:
        The :class:`ProfileResult`.

    Raises:
        ValueError: ``duration_s`` is negative or ``max_calls`` is not positive.
        ProfilingError: yappi is already running.
    """
    if duration_s < 0:
        raise ValueError(f"duration_s: expected 0 or more, got {duration_s!r}")
    if max_calls < 1:
        raise ValueError(f"max_calls: expected a positive number, got {max_calls!r}")
    if top is not None and top < 1:
        raise ValueError(f"top: expected a positive number, got {top!r}")
    name = label or str(getattr(func, "__qualname__", repr(func)))

    def one_pass(clock: str, seconds: float) -> ProfileResult:
        prof = Profiler(include_library=include_library, top=None, clock=clock)
        state: dict[str, Any] = {"calls": 0, "error": None}

        async def main() -> None:
            prof.thread_id = threading.get_ident()
            prof.start()
            try:
                end = time.perf_counter() + seconds
                while True:
                    await func(*args, **kwargs)
                    state["calls"] += 1
                    if state["calls"] >= max_calls or time.perf_counter() >= end:
                        break
            except Exception as exc:
                state["error"] = f"{type(exc).__name__}: {exc}"
            finally:
                prof.stop()

        run_sync(main)
        return prof.result(target=name, calls=state["calls"], error=state["error"])

    result = one_pass("wall", duration_s)
    if result.error is None and any(r.reading in OWN_TIME_READINGS for r in result.rows):
        # What a busy loop gets right after the WALL pass and after the CPU pass: the lower
        # one, so a burst of other load during the passes does not read as waiting.
        before = cpu_availability()
        cpu = one_pass("cpu", min(duration_s, result.wall_s))
        rows = [r.to_dict() for r in cpu.rows]
        result = with_cpu_pass(result, rows, availability=min(before, cpu_availability()))
    return _top(result, top)


def _top(result: ProfileResult, top: int | None) -> ProfileResult:
    if top is None or len(result.rows) <= top:
        return result
    hidden = result.hidden_rows + len(result.rows) - top
    return replace(result, rows=result.rows[:top], hidden_rows=hidden)


def profile_target(
    spec: str,
    *,
    cwd: str | None = None,
    duration_s: float = 1.0,
    include_library: bool = False,
    top: int | None = 30,
    python: str | None = None,
    max_calls: int = 1000,
) -> ProfileResult:
    """Profile a ``package.module:function`` or ``path/to/file.py:function`` target.

    The target runs in the project's own interpreter (``python``, else the one discovery
    found for ``cwd``) through the measuring child; yappi comes from that interpreter or
    from a private cached folder (see ``yappi_cache``), never from its site-packages.

    Args:
        spec: the target.
        cwd: folder the target is resolved from (default: the current one).
        duration_s: call it repeatedly for about this long (at least once).
        include_library: keep rows from the standard library and installed packages.
        top: keep at most this many rows.
        python: the interpreter to run it in (default: the project's).
        max_calls: upper bound on calls.

    Returns:
        The :class:`ProfileResult`.

    Raises:
        TargetError: the target cannot be imported or is not an async callable.
        ProfilingError: yappi is not available (the message names the install command).
    """
    from codeflash_lab.profiling.in_project import interpreter_for, run_job, target_job
    from codeflash_lab.profiling.yappi_cache import ensure_yappi

    if duration_s < 0:
        raise ValueError(f"duration_s: expected 0 or more, got {duration_s!r}")
    interpreter = interpreter_for(cwd, python)
    source = ensure_yappi(interpreter.path)
    job = target_job(spec, cwd=cwd)
    job.update(
        mode="profile",
        extra_path=list(source.extra_path),
        profile={"duration_s": duration_s, "max_calls": max_calls,
                 "include_library": include_library, "top": top},
    )  # fmt: skip
    doc = run_job(job, python=interpreter.path, cwd=cwd, timeout_s=duration_s * 20 + 120)
    data = doc["profile"]
    wall = float(data["wall_s"])
    rows = tuple(
        ProfileRow(
            name=r["name"],
            path=r["path"],
            line=int(r["line"]),
            ncall=int(r["ncall"]),
            ttot_s=float(r["ttot_s"]),
            tsub_s=float(r["tsub_s"]),
            reading=reading_for(float(r["ttot_s"]), float(r["tsub_s"]), wall),
        )
        for r in data["rows"]
    )
    notes = [f"ran in {doc.get('python')} (Python {doc.get('python_version')})"]
    if source.note:
        notes.append(source.note)
    result = ProfileResult(
        rows=rows,
        wall_s=wall,
        target=spec,
        calls=int(data["calls"]),
        error=data.get("error"),
        hidden_rows=int(data["hidden_rows"]),
        notes=tuple(notes),
    )
    if result.error is None and any(r.reading in OWN_TIME_READINGS for r in rows):
        cpu_job = {**job, "profile": {**job["profile"], "clock": "cpu", "top": None,
                                      "duration_s": min(duration_s, wall)}}  # fmt: skip
        before = cpu_availability()
        cpu = run_job(cpu_job, python=interpreter.path, cwd=cwd, timeout_s=duration_s * 20 + 120)
        if cpu["profile"].get("clock") == "cpu":  # an older child ignores the clock
            rows = list(cpu["profile"]["rows"])
            available = min(before, cpu_availability())
            result = with_cpu_pass(result, rows, availability=available)
    return result
