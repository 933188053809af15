"""Scaling: throughput and p50/p99 per concurrency level, the knee, Little's law,
and the concurrency-ratio probe (:mod:`codeflash_lab.bench.probe`) that spots a target
blocking the event loop.

Each finished run is saved as it ends (``runs/`` kind ``run``), so a later run or a probe
that fails never throws the finished levels away.
"""

from __future__ import annotations

import html
import itertools
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from codeflash_lab.bench.engine_text import engine_note
from codeflash_lab.bench.locust_engine import engine_environment, engine_scope
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.probe import BLOCKING_RATIO, ConcurrencyProbe, probe_concurrency
from codeflash_lab.bench.runner import Measurable, run_time_limit
from codeflash_lab.bench.session import (
    RunFailed,
    default_isolation,
    run_plan,
    run_saver,
    save_result,
)
from codeflash_lab.bench.stats import median
from codeflash_lab.bench.system import capture_environment, git_state
from codeflash_lab.errors import MeasurementError, TargetError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BLOCKING_RATIO",
    "ConcurrencyProbe",
    "SweepLevel",
    "SweepResult",
    "find_knee",
    "probe_concurrency",
    "sweep",
]

KNEE_GAIN = 0.05
#: Median CPU share of the measuring process above which a non-overlapping target is CPU-bound.
CPU_BOUND_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class SweepLevel:
    """One concurrency level of a sweep.

    Attributes:
        concurrency: ops in flight.
        throughput_ops_s: median over the level's runs.
        p50_ms: median per-run p50.
        p99_ms: median per-run p99.
        mean_ms: median per-run mean latency.
        littles_ratio: throughput x mean latency / concurrency; near 1 in a closed loop
            when the numbers are consistent (well under 1: time lost outside the ops).
        runs: the level's runs.
    """

    concurrency: int
    throughput_ops_s: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    littles_ratio: float
    runs: tuple[Run, ...]

    @property
    def dropped(self) -> int:
        """Open loop: arrivals dropped at this level (their latency is in no percentile)."""
        return sum(r.dropped for r in self.runs)

    @property
    def client_cpu(self) -> float | None:
        """Median CPU share of the measuring process (1.0 = one core), when known."""
        cpus = [r.client_cpu for r in self.runs if r.client_cpu is not None]
        return median(cpus) if cpus else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the level, with its runs."""
        return {
            "concurrency": self.concurrency,
            "dropped": self.dropped,
            "throughput_ops_s": self.throughput_ops_s,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "mean_ms": self.mean_ms,
            "littles_ratio": self.littles_ratio,
            "runs": [r.to_dict() for r in self.runs],
        }


def find_knee(
    levels: Sequence[tuple[int, float, float]], *, min_gain: float = KNEE_GAIN
) -> int | None:
    """The knee: the first level whose throughput gain over the previous level is under
    ``min_gain`` while p99 grows.

    Args:
        levels: ``(concurrency, throughput, p99)`` in increasing concurrency.
        min_gain: relative throughput gain below which adding concurrency stops paying.

    Returns:
        The concurrency *before* the flat step (the most useful level), or ``None``.
    """
    for (c0, x0, p0), (_c1, x1, p1) in itertools.pairwise(levels):
        if x0 > 0 and (x1 - x0) / x0 < min_gain and p1 > p0:
            return c0
    return None


@dataclass(frozen=True)
class SweepResult:
    """Throughput and latency across concurrency levels.

    Attributes:
        target: what was measured.
        config: base settings (concurrency varies per level).
        levels: one entry per level, in increasing concurrency.
        knee: concurrency after which throughput stops growing (``None``: not reached).
        probe: the concurrency-ratio probe, when taken.
        interrupted: Ctrl-C cut the sweep short.
        environment: machine and software facts.
        git: ``{"sha", "dirty"}``.
        saved_to: the ``.codeflash/runs/`` file, when saved.
        failure: why a later run or the probe failed (the sweep stopped there; the
            finished levels are kept and their runs saved), or ``None``.
    """

    target: str
    config: BenchConfig
    levels: tuple[SweepLevel, ...]
    knee: int | None
    probe: ConcurrencyProbe | None = None
    interrupted: bool = False
    environment: dict[str, Any] = field(default_factory=dict)
    git: dict[str, Any] = field(default_factory=dict)
    saved_to: str | None = None
    failure: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (saved as ``runs/`` kind ``sweep``)."""
        return {
            "target": self.target,
            "mode": self.config.mode,
            "levels": [lv.to_dict() for lv in self.levels],
            "knee": self.knee,
            "probe": self.probe.to_dict() if self.probe else None,
            "interrupted": self.interrupted,
            "failure": self.failure,
            "config": self.config.to_dict(),
            "environment": self.environment,
            "git": self.git,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per level."""
        import pandas as pd

        return pd.DataFrame(
            [{k: v for k, v in lv.to_dict().items() if k != "runs"} for lv in self.levels]
        )

    def probe_verdict(self) -> str | None:
        """What the probe says in words: overlaps, CPU-bound or BLOCKING (``None``: no probe)."""
        if self.probe is None:
            return None
        if not self.probe.blocking:
            return "calls overlap on the event loop"
        cpus = [c for c in (lv.client_cpu for lv in self.levels) if c is not None]
        if "://" in self.target:
            return "calls barely overlap: the server blocks its loop or is CPU-bound"
        if cpus and median(cpus) >= CPU_BOUND_SHARE:
            return "CPU-bound: the calls keep a core busy and cannot overlap on one loop"
        return "BLOCKING: the calls hold the event loop while they wait"

    def format_text(self) -> str:
        """One line per level (knee marked), what the columns mean, the knee, the probe."""
        open_loop = self.config.mode == "open"
        lines = [f"{self.target}  sweep ({self.config.mode} loop)"]
        engine = engine_note(self.environment)  # Locust: "engine: locust, N workers"
        if engine:
            lines.append(f"  {engine}")
        head = "  concurrency   ops/s        p50 ms    p99 ms   X*R/N"
        lines.append(head + ("   dropped" if open_loop else ""))
        for lv in self.levels:
            mark = "  <- knee" if lv.concurrency == self.knee else ""
            extra = f"  {lv.dropped:>8}" if open_loop else ""
            lines.append(
                f"  {lv.concurrency:>11}  {lv.throughput_ops_s:>10,.1f}  {lv.p50_ms:>8.3f}  "
                f"{lv.p99_ms:>8.3f}  {lv.littles_ratio:5.2f}{extra}{mark}"
            )
        lines.append(
            "  X*R/N: ops/s x mean latency / concurrency (Little's law): near 1 when every "
            "slot was busy with an op"
        )
        if open_loop and any(lv.dropped for lv in self.levels):
            lines.append(
                "  dropped arrivals are in no percentile: p50/p99 above understate the latency "
                "those requests would have seen"
            )
        top = max((lv.concurrency for lv in self.levels), default=0)
        if self.knee is None and self.levels:
            lines.append(f"  no knee up to concurrency {top}: throughput still grows")
        elif self.knee is not None:
            lines.append(f"  knee at concurrency {self.knee}: throughput stops growing after it")
        if self.probe is not None:
            p = self.probe
            lines.append(
                f"  probe: {p.n} calls one after another took {p.sequential_s * 1000:.1f} ms, "
                f"gathered {p.gathered_s * 1000:.1f} ms: ratio {p.ratio:.2f} of at most {p.n} "
                f"({self.probe_verdict()})"
            )
        if self.failure:
            lines.append(f"  stopped: {self.failure}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format_text()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{lv.concurrency}</td><td>{lv.throughput_ops_s:,.1f}</td>"
            f"<td>{lv.p50_ms:.3f}</td><td>{lv.p99_ms:.3f}</td><td>{lv.littles_ratio:.2f}</td></tr>"
            for lv in self.levels
        )
        notes = [engine_note(self.environment) or ""]
        notes += [f"stopped: {self.failure}"] if self.failure else []
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes if n)
        return (
            f"<div><b>{html.escape(self.target)}</b> knee: {self.knee}<table><tr>"
            "<th>concurrency</th><th>ops/s</th><th>p50 ms</th><th>p99 ms</th><th>X·R/N</th>"
            f"</tr>{rows}</table>{f'<ul>{items}</ul>' if items else ''}</div>"
        )


def _level(concurrency: int, runs: list[Run]) -> SweepLevel:
    ok = [r for r in runs if r.ok_ops]
    x = median([r.throughput_ops_s for r in runs])
    mean = median([r.latency_ms["mean"] for r in ok]) if ok else 0.0
    return SweepLevel(
        concurrency=concurrency,
        throughput_ops_s=x,
        p50_ms=median([r.latency_ms["p50"] for r in ok]) if ok else 0.0,
        p99_ms=median([r.latency_ms["p99"] for r in ok]) if ok else 0.0,
        mean_ms=mean,
        littles_ratio=x * mean / 1000.0 / concurrency,
        runs=tuple(runs),
    )


def _kept(n: int) -> str:
    return f"the {n} finished {'run is' if n == 1 else 'runs are'} kept"


def sweep(
    target: str | Callable[..., Awaitable[Any]] | Measurable,
    *args: Any,
    levels: Sequence[int] = (1, 2, 4, 8, 16, 32, 64),
    config: BenchConfig | None = None,
    runs: int = 1,
    probe: bool = True,
    isolation: str | None = None,
    project: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    allow_remote: bool = False,
    save: bool = True,
    progress: bool | None = None,
) -> SweepResult:
    """Measure ``target`` at each concurrency level (closed loop).

    Args:
        target: spec, async callable or :class:`Measurable`.
        *args: arguments of the callable.
        levels: concurrency levels, increasing.
        config: base settings (``concurrency`` is replaced per level).
        runs: runs per level.
        probe: also run the concurrency-ratio probe (N = the largest level, at most 50).
        isolation: ``"process"`` (default for specs) or ``"loop"``.
        project: with a ``.codeflash/`` the result is saved (kind ``sweep``).
        cwd: folder specs are resolved from.
        allow_remote: accept a non-loopback URL.
        save: save when a workspace exists.
        progress: progress bar.

    Every run and the probe are limited to ``runner.run_time_limit(config)`` of wall-clock
    time (``--run-timeout``).

    Returns:
        The levels; after Ctrl-C, the finished ones; after a later run or the probe
        failed, the finished ones with ``failure`` saying why.

    Raises:
        ValueError: empty or non-increasing ``levels``.
        TargetError, MeasurementError: the first run failed.
    """
    levels = list(levels)
    if not levels or any(c < 1 for c in levels) or levels != sorted(set(levels)):
        raise ValueError(f"levels: need increasing positive integers, got {levels}")
    base = config or BenchConfig()
    where = cwd if cwd is not None else project
    m = Measurable.of(target, *args, cwd=where, allow_remote=allow_remote)
    iso = default_isolation([m], isolation)
    out: list[SweepLevel] = []
    interrupted = False
    failure: str | None = None
    saver = run_saver(project, m.label, base) if save else None
    done = {"runs": 0}

    def finished(run: Run, cfg: BenchConfig) -> None:
        if saver is not None:  # saved as it ends, indexed in the order of the whole sweep
            saver(run.with_changes(index=done["runs"]), config=cfg)
        done["runs"] += 1

    with engine_scope(base, progress=progress):  # --engine locust: one master for every level
        engine = engine_environment(base)
        for c in levels:
            cfg = base.replace(concurrency=c)
            try:
                got, interrupted = run_plan(
                    [(None, m)] * runs, cfg, isolation=iso, desc=f"sweep c={c}",
                    progress=progress, on_run=lambda run, cfg=cfg: finished(run, cfg),
                )  # fmt: skip
            except KeyboardInterrupt:
                if not out:
                    raise
                got, interrupted = [], True
            except (TargetError, MeasurementError) as exc:
                if not done["runs"]:
                    raise  # the first run of the sweep: its own error
                got = exc.runs if isinstance(exc, RunFailed) else []
                cause = exc.__cause__ if isinstance(exc, RunFailed) and exc.__cause__ else exc
                failure = (
                    f"run {done['runs'] + 1} of {len(levels) * runs} (concurrency {c}) failed: "
                    f"{cause}; {_kept(done['runs'])}"
                )
            if got:
                out.append(_level(c, got))
            if interrupted or failure:
                break
    knee = find_knee([(lv.concurrency, lv.throughput_ops_s, lv.p99_ms) for lv in out])
    conc_probe = None
    if probe and not interrupted and failure is None:
        try:
            conc_probe = probe_concurrency(
                m, n=min(max(levels[-1], 2), 50), loop=base.loop, timeout_s=run_time_limit(base)
            )
        except KeyboardInterrupt:
            interrupted = True
        except (TargetError, MeasurementError) as exc:
            failure = f"the concurrency probe failed: {exc}; {_kept(done['runs'])}"
    result = SweepResult(
        target=m.label,
        config=base,
        levels=tuple(out),
        knee=knee,
        probe=conc_probe,
        interrupted=interrupted,
        environment={
            **capture_environment(loop=base.loop, target=m, isolation=iso),
            "isolation": iso,
            **engine,
        },
        git=git_state(where or os.getcwd()),
        failure=failure,
    )
    if save:
        saved = save_result(project, "sweep", result.to_dict())
        if saved is not None:
            result = replace(result, saved_to=saved)
    return result
