"""One measured run, in a fresh event loop or a fresh process, and series of runs.

Never measures on the caller's loop: with no running loop the fresh loop runs in
this thread; with one (a Jupyter kernel) it runs in a worker thread. Fresh-process
runs (the default for spec strings and anything recorded) run in the project's own
interpreter through the measuring child (``codeflash_lab/_child/measure.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from codeflash_lab.bench.checks import STALL_MS, run_warnings
from codeflash_lab.bench.drivers import OpFactory, RawRun, run_closed
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.openloop import run_open
from codeflash_lab.bench.stats import summarize_latencies
from codeflash_lab.bench.system import cpu_shares, nest_asyncio_applied, take_cpu_sample
from codeflash_lab.errors import MeasurementError, TargetError
from codeflash_lab.profiling.lag import LagMonitor
from codeflash_lab.targets import (
    CheckedTarget,
    Target,
    is_async_callable,
    parse_target,
    resolve_callable,
    resolve_loopback,
)

__all__ = [
    "Measurable",
    "measure_in_loop",
    "measure_in_process",
    "measure_once",
    "measure_run",
    "run_in_fresh_loop",
    "run_time_limit",
]

#: Wall-clock limit of one run by op count when none is given (its length is unknown).
OPS_RUN_TIMEOUT_S = 300.0
#: Extra time a fresh process gets for starting the interpreter and importing the target.
PROCESS_START_S = 10.0
#: How long a cancelled run gets to unwind before its thread is left behind.
CANCEL_GRACE_S = 2.0

T = TypeVar("T")


@dataclass(frozen=True)
class Measurable:
    """What one arm measures: a target spec, or a Python async callable with arguments.

    Attributes:
        spec: ``module:function``, ``file.py:function`` or a URL; ``None`` for an object.
        func: an async callable (notebook objects); ``None`` for a spec.
        args: positional arguments for ``func`` (or for the resolved spec callable).
        kwargs: keyword arguments likewise.
        cwd: folder specs are resolved from (and fresh processes run in).
        allow_remote: URLs may point at another machine.
        label: display name.
        confine: a folder the resolved callable's source file must be inside (the
            checkouts of ``compare --base/--head``), so an installed copy of the same
            package is never measured by mistake.
        python: the interpreter fresh-process runs use (default: the project's, found
            from ``cwd`` by discovery; see ``workspace.interpreter.project_python``).
        checked: for a URL, the address its host was checked to (every connection of
            every run goes there; JSON form for a measuring child: ``checked.to_dict()``).
    """

    spec: str | None = None
    func: Callable[..., Awaitable[Any]] | None = None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    cwd: str | None = None
    allow_remote: bool = False
    label: str = ""
    confine: str | None = None
    checked: CheckedTarget | None = None
    python: str | None = None

    @classmethod
    def of(
        cls,
        target: str | Callable[..., Awaitable[Any]] | Measurable,
        *args: Any,
        kwargs: Mapping[str, Any] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        allow_remote: bool = False,
    ) -> Measurable:
        """Build from a spec string, an async callable or an existing ``Measurable``.

        Raises:
            TargetError: a spec that does not parse, or an object that is not async.
        """
        if isinstance(target, Measurable):
            return target
        where = str(cwd) if cwd is not None else None
        if isinstance(target, str):
            parsed = parse_target(target, allow_remote=allow_remote)
            checked = (
                resolve_loopback(parsed, allow_remote=allow_remote)
                if parsed.kind == "url"
                else None
            )
            return cls(spec=target, args=args, kwargs=dict(kwargs or {}), cwd=where,
                       allow_remote=allow_remote, label=target, checked=checked)  # fmt: skip
        if not is_async_callable(target):
            raise TargetError(f"target {target!r}: not an async callable (async def)")
        name = getattr(target, "__qualname__", None) or type(target).__name__
        return cls(func=target, args=args, kwargs=dict(kwargs or {}), cwd=where, label=name)

    @property
    def target(self) -> Target | None:
        """The parsed spec (``None`` for an object)."""
        return (
            None if self.spec is None else parse_target(self.spec, allow_remote=self.allow_remote)
        )

    @property
    def can_run_in_process(self) -> bool:
        """Only specs (and JSON-able arguments) can be measured in a fresh process."""
        if self.spec is None:
            return False
        try:
            json.dumps([list(self.args), dict(self.kwargs)])
        except (TypeError, ValueError):
            return False
        return True


async def _make_source(m: Measurable, config: BenchConfig) -> tuple[OpFactory, list[Any]]:
    """The per-worker op factory and the objects to close afterwards."""
    target = m.target
    if target is not None and target.kind == "url":
        from codeflash_lab.bench.http import HttpConnection, build_request, check_reachable

        checked = m.checked or resolve_loopback(target, allow_remote=m.allow_remote)
        await check_reachable(target, checked=checked)
        body = config.body.encode() if config.body is not None else None
        request = build_request(target, method=config.method, body=body, headers=config.headers)
        conns: list[Any] = []

        def make_http(_w: int) -> Callable[[], Awaitable[Any]]:
            conn = HttpConnection(target, request, checked=checked)
            conns.append(conn)
            return conn.request

        return make_http, conns
    func = m.func if m.func is not None else resolve_callable(m.spec or "", cwd=m.cwd)
    if m.confine is not None:
        _check_confined(m, func)
    op: Callable[[], Awaitable[Any]] = (
        functools.partial(func, *m.args, **m.kwargs) if (m.args or m.kwargs) else func
    )
    return (lambda _w: op), []


def _check_confined(m: Measurable, func: Callable[..., Awaitable[Any]]) -> None:
    try:
        source = inspect.getsourcefile(inspect.unwrap(func))
    except TypeError:
        source = None
    root = Path(m.confine or "").resolve()
    if source is None or not Path(source).resolve().is_relative_to(root):
        raise TargetError(
            f"target {m.label!r}: resolved to {source!r}, outside the checkout {str(root)!r} "
            "(an installed copy?); name the file instead, e.g. src/pkg/module.py:function"
        )


def _lag_monitor() -> LagMonitor:
    """The loop-lag probe of a timed run: one probe task, no stack-sampling thread, no hook."""
    return LagMonitor(threshold_ms=STALL_MS, sample_stacks=False, hook=False)


@dataclass
class _Probe:
    client_cpu: float | None = None
    background_busy: float | None = None
    lag_max_ms: float | None = None
    lag_stalls: int | None = None
    lag_p50_ms: float | None = None


def _around(probe: _Probe) -> Callable[[], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def around() -> AsyncIterator[None]:
        monitor = _lag_monitor()
        await monitor.__aenter__()
        before = take_cpu_sample()
        try:
            yield
        finally:
            after = take_cpu_sample()
            probe.client_cpu, probe.background_busy = cpu_shares(before, after)
            await monitor.__aexit__(None, None, None)
            lag = monitor.result()
            probe.lag_max_ms = float(lag.max_ms)
            probe.lag_stalls = len(lag.stalls)
            probe.lag_p50_ms = float(lag.p50_ms) if lag.samples else None

    return around


def _to_run(raw: RawRun, probe: _Probe, config: BenchConfig, index: int) -> Run:
    ok = len(raw.latencies_ns)
    elapsed_s = raw.elapsed_ns / 1e9
    facts: dict[str, Any] = {
        "index": index,
        "mode": config.mode,
        "concurrency": config.concurrency,
        "ok_ops": ok * config.batch if config.mode == "closed" else ok,
        "errors": raw.errors,
        "error_kinds": dict(raw.error_kinds),
        "first_error": raw.first_error,
        "elapsed_s": elapsed_s,
        "throughput_ops_s": (ok * config.batch / elapsed_s) if elapsed_s > 0 else 0.0,
        "latency_ms": summarize_latencies(raw.latencies_ns) if ok else {},
        "warmup_ops": raw.warmup_ops,
        "loop": config.loop,
        "batch": config.batch,
        "lag_max_ms": probe.lag_max_ms,
        "lag_stalls": probe.lag_stalls,
        "lag_p50_ms": probe.lag_p50_ms,
        "client_cpu": probe.client_cpu,
        "background_busy": probe.background_busy,
        "dropped": raw.dropped,
        "schedule_lag_ms": summarize_latencies(raw.schedule_lag_ns)
        if raw.schedule_lag_ns
        else None,
        "service_ms": summarize_latencies(raw.service_ns) if raw.service_ns else None,
        "nest_asyncio": nest_asyncio_applied(),
    }
    warnings = tuple(run_warnings(facts, index=index))
    return Run(**facts, warnings=warnings)


async def measure_run(m: Measurable, config: BenchConfig, *, index: int = 0) -> Run:
    """Measure one run on the *running* loop (call it inside a fresh loop).

    Args:
        m: what to measure.
        config: how.
        index: the run's index in its series.

    Returns:
        The run summary (failed ops are counted, never raised).

    Raises:
        TargetError: the target cannot be resolved or its server cannot be reached.
    """
    make_op, closers = await _make_source(m, config)
    probe = _Probe()
    try:
        if config.rate is not None:
            seconds = config.ops / config.rate if config.ops else config.run_seconds
            raw = await run_open(
                make_op,
                pool=config.concurrency,
                rate=config.rate,
                seconds=max(seconds, config.min_run_s),
                warmup_s=config.warmup_s,
                arrivals=config.arrivals,
                seed=config.seed,
                timeout_s=config.timeout_s,
                max_backlog=config.max_backlog,
                around=_around(probe),
            )
        else:
            raw = await run_closed(
                make_op,
                concurrency=config.concurrency,
                ops=config.ops,
                seconds=config.min_run_s if config.ops else config.run_seconds,
                warmup_s=config.warmup_s,
                timeout_s=config.timeout_s,
                batch=config.batch,
                around=_around(probe),
            )
    finally:
        for conn in closers:
            await conn.aclose()
    return _to_run(raw, probe, config, index)


def _loop_factory(loop: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise MeasurementError(
                "loop 'uvloop' requested but uvloop is not installed (pip install uvloop)"
            ) from None
        return uvloop.new_event_loop
    return asyncio.new_event_loop


class _LoopThread:
    """A fresh event loop in a daemon thread that can be abandoned if it never returns."""

    def __init__(self, factory: Callable[[], Coroutine[Any, Any, Any]], make_loop: Any) -> None:
        self._factory = factory
        self._make_loop = make_loop
        self.done = threading.Event()
        self.box: dict[str, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self.thread = threading.Thread(target=self._main, name="codeflash-bench", daemon=True)

    async def _main_task(self) -> Any:
        self._task = asyncio.current_task()
        return await self._factory()

    def _main(self) -> None:
        try:
            with asyncio.Runner(loop_factory=self._make_loop) as runner:
                self._loop = runner.get_loop()
                self.box["value"] = runner.run(self._main_task())
        except BaseException as exc:  # handed to the waiting thread
            self.box["error"] = exc
        finally:
            self.done.set()

    def stop(self, grace_s: float) -> bool:
        """Cancel the run and wait up to ``grace_s``; ``False``: its thread still runs."""
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(task.cancel)
        return self.done.wait(grace_s)


def run_in_fresh_loop(
    factory: Callable[[], Coroutine[Any, Any, T]],
    *,
    loop: str = "asyncio",
    timeout_s: float | None = None,
) -> T:
    """Run ``factory()`` to completion in a brand-new event loop and return its result.

    Without a limit and with no loop running in this thread the loop runs here.
    Otherwise (a limit, or inside a running loop such as Jupyter's) it runs in a
    daemon worker thread while this thread waits, so Ctrl-C and the limit are seen
    here even when the target blocks its loop. After the limit (or Ctrl-C) the run
    is cancelled; a target that never reaches an ``await`` cannot be stopped (Python
    cannot kill a thread): its thread is left running and the error says so.
    nest-asyncio is never applied.

    Args:
        factory: makes the coroutine (called inside the new loop's thread).
        loop: ``"asyncio"`` or ``"uvloop"``.
        timeout_s: wall-clock limit in seconds (``None``: none).

    Raises:
        MeasurementError: the limit passed.
        KeyboardInterrupt: Ctrl-C while waiting (the run was asked to stop first).
    """
    make_loop = _loop_factory(loop)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if timeout_s is None:
            with asyncio.Runner(loop_factory=make_loop) as runner:
                return runner.run(factory())
    worker = _LoopThread(factory, make_loop)
    worker.thread.start()
    try:
        finished = worker.done.wait(timeout_s)
    except KeyboardInterrupt:
        worker.stop(CANCEL_GRACE_S)
        raise
    if not finished:
        if worker.stop(CANCEL_GRACE_S):
            left = "it was cancelled"
        else:
            left = (
                "it never gave control back to its event loop, so its thread is left "
                "running in the background (a thread cannot be killed; restart the "
                "kernel or process to free it)"
            )
        raise MeasurementError(f"the run did not finish within {timeout_s:g} s; {left}")
    if "error" in worker.box:
        raise worker.box["error"]
    return worker.box["value"]  # type: ignore[no-any-return]


def run_time_limit(config: BenchConfig) -> float:
    """The wall-clock limit of one run, in every mode (``config.run_timeout_s`` when set).

    By default: three times the expected length plus the per-op timeout and a minute
    for a run of known length; :data:`OPS_RUN_TIMEOUT_S` for a closed-loop run by op
    count, whose length is unknown until its ops are done.
    """
    if config.run_timeout_s is not None:
        return config.run_timeout_s
    if config.ops and config.rate is None:
        return OPS_RUN_TIMEOUT_S
    seconds = config.ops / config.rate if (config.ops and config.rate) else config.run_seconds
    per_op = config.timeout_s or 0.0
    return (config.warmup_s + max(seconds, config.min_run_s)) * 3 + per_op + 60


def _process_time_limit(config: BenchConfig) -> float:
    """The limit of one fresh-process run: :func:`run_time_limit` plus the process start."""
    return run_time_limit(config) + PROCESS_START_S


def measure_in_process(
    m: Measurable, config: BenchConfig, *, index: int = 0, timeout_s: float | None = None
) -> Run:
    """Measure one run in a fresh process of the project's own interpreter.

    The run goes through the measuring child (``codeflash_lab/_child/measure.py``,
    standard library only), started with ``m.python`` or else the interpreter that
    discovery found for ``m.cwd`` (``setup.md``, an in-project virtualenv, ...). The
    child uses the same drivers and methodology as an in-process run; the stability
    warnings are derived here from the facts it reports.

    Args:
        m: a spec-based measurable (``m.can_run_in_process``).
        config: how to measure.
        index: the run's index.
        timeout_s: wall-clock limit of the whole process (default: generous for the config).

    Returns:
        The run, with ``isolation="process"``.

    Raises:
        TargetError: the child could not resolve or reach the target.
        MeasurementError: the child crashed, timed out or could not start.
    """
    if not m.can_run_in_process:
        raise ValueError("m: only spec targets with JSON arguments can run in a fresh process")
    from codeflash_lab.bench.child_jobs import spec_job
    from codeflash_lab.profiling.in_project import interpreter_for, run_job

    limit = timeout_s if timeout_s is not None else _process_time_limit(config)
    job = spec_job(m, "bench", config=config.to_dict(), index=index, stall_ms=STALL_MS)
    python = interpreter_for(m.cwd, m.python).path
    doc = run_job(job, python=python, cwd=m.cwd, timeout_s=limit)
    facts = dict(doc["run"])
    facts["warnings"] = [w.to_dict() for w in run_warnings(facts, index=index)]
    return Run.from_dict(facts).with_changes(isolation="process")


def measure_in_loop(m: Measurable, config: BenchConfig, *, index: int = 0) -> Run:
    """Measure one run in a fresh event loop of this process (see :func:`run_in_fresh_loop`).

    Raises:
        MeasurementError: the run passed :func:`run_time_limit` (the message says
            whether its thread could be stopped).
    """
    run = run_in_fresh_loop(
        lambda: measure_run(m, config, index=index),
        loop=config.loop,
        timeout_s=run_time_limit(config),
    )
    return run.with_changes(isolation="loop")


def measure_once(m: Measurable, config: BenchConfig, *, isolation: str, index: int = 0) -> Run:
    """One run with the chosen isolation (``"process"`` or ``"loop"``).

    Raises:
        ValueError: unknown isolation, or ``"process"`` for an object target.
    """
    if config.engine == "locust":  # Locust's master and workers (bench.locust_engine)
        from codeflash_lab.bench.locust_engine import measure_with_locust

        return measure_with_locust(m, config, index=index)
    if isolation == "process":
        run = measure_in_process(m, config, index=index)
    elif isolation == "loop":
        run = measure_in_loop(m, config, index=index)
    else:
        raise ValueError(f"isolation: expected 'process' or 'loop', got {isolation!r}")
    from codeflash_lab.bench.locust_runs import advise_engine

    return advise_engine(run, is_url=m.spec is not None and "://" in m.spec)
