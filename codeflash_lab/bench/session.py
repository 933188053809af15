"""Series of runs: progress bar, Ctrl-C keeps finished runs, methodology lock, saving.

Each finished run is saved as it ends (``runs/`` kind ``run``), so a later run that
fails, times out or takes the process down never throws the finished ones away.

``bench()`` is the synchronous entry point (safe inside Jupyter: measurements never
use the caller's loop); ``abench()`` awaits it from async code without blocking the loop.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from codeflash_lab.bench.locust_engine import engine_environment, engine_scope
from codeflash_lab.bench.model import BenchConfig, BenchResult, Run
from codeflash_lab.bench.runner import Measurable, measure_once
from codeflash_lab.bench.system import capture_environment, git_state
from codeflash_lab.errors import MeasurementError
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.methodology import Methodology, check_methodology, lock_if_unlocked
from codeflash_lab.workspace.runs import save_run

__all__ = [
    "RunFailed",
    "RunPlan",
    "RunSaver",
    "abench",
    "bench",
    "check_lock",
    "default_isolation",
    "lock_first_baseline",
    "methodology_for",
    "run_plan",
    "run_saver",
    "save_result",
]

#: ``(arm label or None, what to measure)`` in the order the runs are taken.
RunPlan = Sequence[tuple[str | None, Measurable]]


def methodology_for(spec: str, config: BenchConfig) -> Methodology:
    """The methodology record of measuring ``spec`` with ``config``."""
    return Methodology(
        target=spec,
        concurrency=config.concurrency,
        ops=config.ops,
        duration_s=None if config.ops else config.run_seconds,
        warmup=config.warmup_s,
        mode=config.mode,
        rate=config.rate,
        loop=config.loop,
        engine=config.engine,
    )


def _workspace(project: str | os.PathLike[str] | None) -> Workspace | None:
    ws = Workspace(Path(project) if project is not None else Path.cwd())
    return ws if ws.exists() else None


def check_lock(project: str | os.PathLike[str] | None, spec: str, config: BenchConfig) -> str:
    """Check the methodology lock (when a workspace exists) and return the methodology id.

    Raises:
        MethodologyError: the settings differ from the locked ones for this target.
    """
    method = methodology_for(spec, config)
    ws = _workspace(project)
    if ws is not None:
        check_methodology(ws, method)
    return method.id


def lock_first_baseline(
    project: str | os.PathLike[str] | None, spec: str, config: BenchConfig, *, run: str
) -> bool:
    """Lock the methodology of ``spec`` when this saved measurement is its first baseline.

    Returns:
        Whether it locked now (``False``: no workspace, or the target is locked already).
    """
    ws = _workspace(project)
    if ws is None:
        return False
    return lock_if_unlocked(ws, methodology_for(spec, config), via="bench", run=Path(run).name)


def save_result(
    project: str | os.PathLike[str] | None, kind: str, doc: dict[str, Any]
) -> str | None:
    """Save a measurement under ``.codeflash/runs/`` when the project has a workspace.

    Returns:
        The saved file's path, or ``None`` without a ``.codeflash/`` folder.
    """
    ws = _workspace(project)
    if ws is None:
        return None
    return str(save_run(ws, kind, doc))


class RunFailed(MeasurementError):
    """A run failed or timed out after others had finished; those are kept here.

    Raised by :func:`run_plan` only when at least one run finished (a first run that
    fails raises its own error). The cause is chained (``__cause__``).

    Attributes:
        runs: the finished runs, in order.
        index: the index of the run that failed.
        saved: the ``.codeflash/runs/`` files the finished runs were saved in, when the
            caller saved them (``compare`` with no complete round raises it with these).
    """

    def __init__(
        self, message: str, *, runs: Sequence[Run], index: int, saved: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.runs = list(runs)
        self.index = index
        self.saved = list(saved)


class RunSaver:
    """Saves each finished run at once (``runs/`` kind ``run``) and keeps the paths.

    Attributes:
        series: id shared by the runs of one bench, compare or sweep.
        paths: the saved files, in order.
    """

    def __init__(
        self, ws: Workspace, target: str, config: BenchConfig, methodology_id: str | None
    ) -> None:
        self._ws = ws
        self._target = target
        self._config = config
        self._methodology_id = methodology_id
        self.series = secrets.token_hex(4)
        self.paths: list[str] = []

    def __call__(self, run: Run, *, config: BenchConfig | None = None) -> None:
        """Save ``run`` (measured with ``config``, default: the series' settings)."""
        doc = {
            "target": self._target,
            "series": self.series,
            "index": run.index,
            "arm": run.arm,
            "methodology_id": self._methodology_id,
            "config": (config or self._config).to_dict(),
            "run": run.to_dict(),
        }
        self.paths.append(str(save_run(self._ws, "run", doc)))


def run_saver(
    project: str | os.PathLike[str] | None,
    target: str,
    config: BenchConfig,
    *,
    methodology_id: str | None = None,
) -> RunSaver | None:
    """A callback that saves each finished run at once (``runs/`` kind ``run``).

    Returns:
        The callback (for :func:`run_plan`'s ``on_run``), or ``None`` without a workspace.
    """
    ws = _workspace(project)
    if ws is None:
        return None
    return RunSaver(ws, target, config, methodology_id)


def _want_progress(progress: bool | None, expected_s: float) -> bool:
    return expected_s > 1.0 if progress is None else progress


@contextmanager
def _bar(total: int, desc: str, enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="run", leave=False)
    try:
        yield bar
    finally:
        bar.close()


def run_plan(
    plan: RunPlan,
    config: BenchConfig,
    *,
    isolation: str,
    desc: str = "bench",
    progress: bool | None = None,
    on_run: Callable[[Run], None] | None = None,
) -> tuple[list[Run], bool]:
    """Take the runs of ``plan`` in order.

    Args:
        plan: ``(arm, measurable)`` per run.
        config: settings of every run.
        isolation: ``"process"`` or ``"loop"``.
        desc: progress-bar label.
        progress: show a tqdm bar (``None``: when the plan takes over a second).
        on_run: called after each finished run (:func:`run_saver` saves it).

    Every run is limited to ``runner.run_time_limit(config)`` of wall-clock time.

    Returns:
        ``(runs, interrupted)``: the finished runs (indexed in order, labelled with their
        arm) and whether Ctrl-C cut the plan short.

    Raises:
        KeyboardInterrupt: Ctrl-C before any run finished.
        RunFailed: a run failed or passed its time limit after others had finished
            (they are on the exception; the plan stops there).
        TargetError, MeasurementError: the first run failed.
    """
    expected = len(plan) * (config.warmup_s + config.run_seconds)
    runs: list[Run] = []
    with _bar(len(plan), desc, _want_progress(progress, expected)) as bar:
        try:
            for arm, m in plan:
                try:
                    run = measure_once(m, config, isolation=isolation, index=len(runs))
                except Exception as exc:
                    if not runs:
                        raise
                    kept = "run is" if len(runs) == 1 else "runs are"
                    raise RunFailed(
                        f"run {len(runs) + 1} of {len(plan)} failed: {exc}; "
                        f"the {len(runs)} finished {kept} kept",
                        runs=runs,
                        index=len(runs),
                    ) from exc
                run = run.with_changes(arm=arm)
                runs.append(run)
                if on_run is not None:
                    on_run(run)
                if bar is not None:
                    bar.update(1)
        except KeyboardInterrupt:
            if not runs:
                raise
            return runs, True
    return runs, False


def default_isolation(measurables: Sequence[Measurable], isolation: str | None) -> str:
    """``"process"`` when every target can run in a fresh process, else ``"loop"``."""
    if isolation is not None:
        if isolation == "process" and not all(m.can_run_in_process for m in measurables):
            raise ValueError("isolation: 'process' needs spec targets (a Python object given)")
        return isolation
    return "process" if all(m.can_run_in_process for m in measurables) else "loop"


def bench(
    target: str | Callable[..., Awaitable[Any]] | Measurable,
    *args: Any,
    kwargs: Mapping[str, Any] | None = None,
    config: BenchConfig | None = None,
    runs: int = 3,
    isolation: str | None = None,
    project: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    allow_remote: bool = False,
    save: bool = True,
    progress: bool | None = None,
) -> BenchResult:
    """Benchmark one target over ``runs`` runs.

    Args:
        target: ``module:function``, ``file.py:function``, an ``http://127.0.0.1:PORT/``
            URL, or an async callable (measured in a fresh loop in a worker thread).
        *args: positional arguments for the callable.
        kwargs: keyword arguments for the callable.
        config: measurement settings (default: closed loop, concurrency 1, 1 s runs).
        runs: number of runs (each its own fresh process or loop).
        isolation: ``"process"`` (default for specs) or ``"loop"`` (default for objects).
        project: project folder; with a ``.codeflash/`` the methodology lock is checked and
            the result saved in ``runs/`` (kind ``bench``).
        cwd: folder specs are resolved from (default: ``project`` or the current folder).
        allow_remote: accept a non-loopback URL.
        save: save to ``.codeflash/runs/`` when a workspace exists.
        progress: progress bar (``None``: only when longer than a second).

    Returns:
        The result; after Ctrl-C, the finished runs with ``interrupted=True``; after a
        later run failed or timed out, the finished runs with ``failure`` saying why.

    Raises:
        TargetError: the target cannot be resolved or reached.
        MethodologyError: the settings differ from the workspace's lock.
        MeasurementError: no run could be taken.
    """
    if runs < 1:
        raise ValueError(f"runs: must be at least 1, got {runs}")
    config = config or BenchConfig()
    where = cwd if cwd is not None else project
    m = Measurable.of(target, *args, kwargs=kwargs, cwd=where, allow_remote=allow_remote)
    iso = default_isolation([m], isolation)
    method_id = check_lock(project, m.label, config) if m.spec else None
    plan = [(None, m)] * runs
    saver = run_saver(project, m.label, config, methodology_id=method_id) if save else None
    failure: str | None = None
    try:
        with engine_scope(config, progress=progress):  # --engine locust: one master, all runs
            finished, interrupted = run_plan(
                plan, config, isolation=iso, desc=m.label, progress=progress, on_run=saver
            )
            engine = engine_environment(config)
    except RunFailed as exc:
        finished, interrupted, failure = exc.runs, False, str(exc)
        engine = engine_environment(config)
    result = BenchResult(
        target=m.label,
        config=config,
        runs=tuple(finished),
        environment={
            **capture_environment(loop=config.loop, target=m, isolation=iso),
            "isolation": iso,
            **engine,
        },
        git=git_state(Path(where) if where is not None else Path.cwd()),
        methodology_id=method_id,
        interrupted=interrupted,
        failure=failure,
    )
    if save:
        saved = save_result(project, "bench", result.to_dict())
        if saved is not None:
            result = result.with_saved_to(saved)
            if m.spec and not interrupted and failure is None:
                lock_first_baseline(project, m.label, config, run=saved)
    return result


async def abench(
    target: str | Callable[..., Awaitable[Any]] | Measurable, *args: Any, **options: Any
) -> BenchResult:
    """:func:`bench` for async code: runs in a worker thread, never on the caller's loop."""
    return await asyncio.to_thread(bench, target, *args, **options)
