"""Frozen measurement records: settings, one run, and a benchmark result with its views."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Literal

from codeflash_lab.bench.checks import StabilityWarning, series_warnings
from codeflash_lab.bench.engine_text import engine_note
from codeflash_lab.bench.stats import coefficient_of_variation, median

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BenchConfig", "BenchResult", "Run"]

LATENCY_KEYS = ("p50", "p90", "p99", "p999", "max", "mean")


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """How one run measures.

    Attributes:
        concurrency: operations in flight (closed loop) or worker-pool size (open loop).
        ops: measured ops per run; the run still lasts at least ``min_run_s``.
        duration_s: measured seconds per run (used when ``ops`` is ``None``).
        min_run_s: shortest measured part of a run (1 s by default: shorter runs are noisy).
        warmup_s: warm-up seconds, discarded (at least 10% of ``ops`` in op-count mode).
        rate: arrivals per second; set for the open-loop mode.
        arrivals: ``"constant"`` or ``"poisson"`` (seeded) spacing of open-loop arrivals.
        seed: seed of the Poisson arrival schedule.
        loop: event-loop implementation, ``"asyncio"`` or ``"uvloop"``.
        timeout_s: per-op timeout (a timed-out op counts as an error), or ``None``.
        run_timeout_s: wall-clock limit of one whole run, warm-up included (``None``: a
            generous bound from the settings, see ``runner.run_time_limit``). A run over
            it is stopped and reported beside the finished ones. Not part of the
            methodology: it changes no measured number.
        batch: calls timed together per sample (for ops near the harness floor).
        max_backlog: open loop: due arrivals allowed to wait for a worker before new ones
            are dropped (default: ``10 * concurrency``).
        method: HTTP method for URL targets.
        body: HTTP request body for URL targets.
        headers: extra HTTP headers for URL targets.
        engine: what generates the load: ``"builtin"`` (this process, or a measuring child)
            or ``"locust"`` (a Locust master and its workers; URL targets, closed loop).
        workers: local Locust worker processes with ``engine="locust"``.
    """

    concurrency: int = 1
    ops: int | None = None
    duration_s: float | None = None
    min_run_s: float = 1.0
    warmup_s: float = 0.5
    rate: float | None = None
    arrivals: Literal["constant", "poisson"] = "constant"
    seed: int = 0
    loop: Literal["asyncio", "uvloop"] = "asyncio"
    timeout_s: float | None = 10.0
    run_timeout_s: float | None = None
    batch: int = 1
    max_backlog: int | None = None
    method: str = "GET"
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    engine: Literal["builtin", "locust"] = "builtin"
    workers: int = 1

    def __post_init__(self) -> None:
        if self.engine not in ("builtin", "locust"):
            raise ValueError(f"engine: expected 'builtin' or 'locust', got {self.engine!r}")
        if self.workers < 1:
            raise ValueError(f"workers: must be at least 1, got {self.workers}")
        if self.engine == "locust" and self.rate is not None:
            raise ValueError(
                "engine: Locust has no open-loop arrival model (it paces each user from its "
                "actual send); for --rate use the built-in open-loop driver (drop --engine locust)"
            )
        if self.engine == "locust" and self.batch != 1:
            raise ValueError(
                "engine: Locust times every request; --batch needs the built-in engine"
            )
        if self.concurrency < 1:
            raise ValueError(f"concurrency: must be at least 1, got {self.concurrency}")
        if self.ops is not None and self.ops < 1:
            raise ValueError(f"ops: must be at least 1, got {self.ops}")
        if self.duration_s is not None and self.duration_s <= 0:
            raise ValueError(f"duration_s: must be positive, got {self.duration_s}")
        if self.min_run_s < 0 or self.warmup_s < 0:
            raise ValueError("min_run_s, warmup_s: must not be negative")
        if self.rate is not None and self.rate <= 0:
            raise ValueError(f"rate: must be positive, got {self.rate}")
        if self.arrivals not in ("constant", "poisson"):
            raise ValueError(f"arrivals: expected 'constant' or 'poisson', got {self.arrivals!r}")
        if self.loop not in ("asyncio", "uvloop"):
            raise ValueError(f"loop: expected 'asyncio' or 'uvloop', got {self.loop!r}")
        if self.timeout_s is not None and self.timeout_s <= 0:
            raise ValueError(f"timeout_s: must be positive, got {self.timeout_s}")
        if self.run_timeout_s is not None and not self.run_timeout_s > 0:
            raise ValueError(f"run_timeout_s: must be positive, got {self.run_timeout_s}")
        if self.batch < 1:
            raise ValueError(f"batch: must be at least 1, got {self.batch}")

    @property
    def mode(self) -> str:
        """``"open"`` with a rate, else ``"closed"``."""
        return "open" if self.rate is not None else "closed"

    @property
    def run_seconds(self) -> float:
        """Measured seconds of a duration-based run (at least ``min_run_s``)."""
        return max(self.duration_s or 0.0, self.min_run_s)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict."""
        data = asdict(self)
        data["headers"] = [list(h) for h in self.headers]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchConfig:
        """Rebuild from :meth:`to_dict` output (unknown keys ignored)."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        if "headers" in kwargs:
            kwargs["headers"] = tuple((str(k), str(v)) for k, v in kwargs["headers"])
        return cls(**kwargs)

    def replace(self, **changes: Any) -> BenchConfig:
        """A copy with some settings changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Run:
    """The summary of one measured run (the unit of replication).

    Attributes:
        index: position in its series (0-based).
        mode: ``"closed"`` or ``"open"``.
        concurrency: in flight (closed) or pool size (open).
        ok_ops: successful ops measured.
        errors: failed ops (exceptions, timeouts, non-2xx, resets).
        error_kinds: ``{kind: count}`` of failures.
        first_error: the first failure's message, for reports.
        elapsed_s: measured wall time.
        throughput_ops_s: successful ops per second.
        latency_ms: ``p50 p90 p99 p999 max min mean std`` of successful ops, ms (from the
            intended start in open loop).
        warmup_ops: ops discarded as warm-up.
        loop: loop implementation used.
        isolation: ``"process"`` (fresh process) or ``"loop"`` (fresh loop in this process).
        batch: calls timed together per sample.
        lag_max_ms: largest event-loop lag seen by the lag monitor, or ``None``.
        lag_stalls: lag samples over the stall threshold, or ``None``.
        lag_p50_ms: median event-loop lag (the client's own queueing), or ``None``.
        client_cpu: CPU time of the measuring process over wall time (1.0 = one core).
        background_busy: share of the whole machine used by other processes.
        dropped: open loop: arrivals dropped because the backlog was full.
        schedule_lag_ms: open loop: dispatcher lateness (actual - intended start).
        service_ms: open loop: latency from the actual start (what a CO-prone tool shows).
        nest_asyncio: nest-asyncio was applied in the measuring process.
        arm: label of the compared arm (``"A"``/``"B"``) or ``None``.
        warnings: stability warnings of this run.
    """

    index: int
    mode: str
    concurrency: int
    ok_ops: int
    errors: int
    error_kinds: dict[str, int]
    first_error: str | None
    elapsed_s: float
    throughput_ops_s: float
    latency_ms: dict[str, float]
    warmup_ops: int = 0
    loop: str = "asyncio"
    isolation: str = "loop"
    batch: int = 1
    lag_max_ms: float | None = None
    lag_stalls: int | None = None
    lag_p50_ms: float | None = None
    client_cpu: float | None = None
    background_busy: float | None = None
    dropped: int = 0
    schedule_lag_ms: dict[str, float] | None = None
    service_ms: dict[str, float] | None = None
    nest_asyncio: bool = False
    arm: str | None = None
    warnings: tuple[StabilityWarning, ...] = ()

    @property
    def ops(self) -> int:
        """All measured ops, successful or not."""
        return self.ok_ops + self.errors

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``ops`` included; warnings as dicts)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["ops"] = self.ops
        data["warnings"] = [w.to_dict() for w in self.warnings]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Run:
        """Rebuild from :meth:`to_dict` output."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["warnings"] = tuple(StabilityWarning.from_dict(w) for w in data.get("warnings", ()))
        return cls(**kwargs)

    def with_changes(self, **changes: Any) -> Run:
        """A copy with some fields changed (index, arm, isolation)."""
        return replace(self, **changes)


def aggregate_latency(runs: tuple[Run, ...]) -> dict[str, float]:
    """Across runs: the median of each per-run percentile (``max`` is the largest max)."""
    usable = [r for r in runs if r.ok_ops]
    if not usable:
        return {}
    out = {k: median([r.latency_ms[k] for r in usable]) for k in LATENCY_KEYS if k != "max"}
    out["max"] = max(r.latency_ms["max"] for r in usable)
    return {k: out[k] for k in LATENCY_KEYS}


@dataclass(frozen=True)
class BenchResult:
    """A benchmark of one target: several runs, their aggregate and the context.

    Attributes:
        target: the target spec (or a notebook object's name).
        config: the settings every run used.
        runs: per-run summaries.
        environment: python, loop, CPU model, nproc, harness version, hash seed, ...
        git: ``{"sha", "dirty"}`` of the project, when it is a git repository.
        methodology_id: id of the settings (``workspace.Methodology.id``).
        interrupted: Ctrl-C cut the series short (``runs`` are the finished ones).
        saved_to: the ``.codeflash/runs/`` file, when saved.
        failure: why a later run failed or timed out after ``runs`` finished (the
            series stopped there), or ``None``.
    """

    target: str
    config: BenchConfig
    runs: tuple[Run, ...]
    environment: dict[str, Any] = field(default_factory=dict)
    git: dict[str, Any] = field(default_factory=dict)
    methodology_id: str | None = None
    interrupted: bool = False
    saved_to: str | None = None
    failure: str | None = None

    @property
    def mode(self) -> str:
        """``closed`` or ``open``."""
        return self.config.mode

    @property
    def concurrency(self) -> int:
        """Ops in flight (closed) or worker-pool size (open)."""
        return self.config.concurrency

    @property
    def ops(self) -> int:
        """All measured ops over every run, successful or not."""
        return sum(r.ops for r in self.runs)

    @property
    def errors(self) -> int:
        """Failed ops over every run."""
        return sum(r.errors for r in self.runs)

    @property
    def throughput_ops_s(self) -> float:
        """Median of the per-run throughputs (0 without runs)."""
        return median([r.throughput_ops_s for r in self.runs]) if self.runs else 0.0

    @property
    def latency_ms(self) -> dict[str, float]:
        """Median of each per-run percentile; ``max`` is the largest."""
        return aggregate_latency(self.runs)

    @property
    def warnings(self) -> tuple[StabilityWarning, ...]:
        """Per-run warnings followed by across-run ones."""
        per_run = [w for r in self.runs for w in r.warnings]
        ok = [r for r in self.runs if r.ok_ops]
        series = series_warnings(
            [r.throughput_ops_s for r in ok],
            [r.latency_ms["p50"] for r in ok],
            interrupted=self.interrupted,
        )
        return (*per_run, *series)

    def cv(self, metric: str = "throughput_ops_s") -> float | None:
        """Across-run CV of ``throughput_ops_s`` or of a latency key (``p50``, ``p99``...)."""
        if metric == "throughput_ops_s":
            values = [r.throughput_ops_s for r in self.runs]
        else:
            values = [r.latency_ms[metric] for r in self.runs if r.ok_ops]
        return coefficient_of_variation(values)

    def with_saved_to(self, path: str) -> BenchResult:
        """A copy that records where it was saved."""
        return replace(self, saved_to=path)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``bench --format json``; saved as ``runs/`` kind ``bench``)."""
        return {
            "target": self.target,
            "mode": self.mode,
            "concurrency": self.concurrency,
            "ops": self.ops,
            "errors": self.errors,
            "dropped": sum(r.dropped for r in self.runs),
            "throughput_ops_s": self.throughput_ops_s,
            "latency_ms": self.latency_ms,
            "cv_pct": {
                "throughput": _pct(self.cv()),
                "p50": _pct(self.cv("p50")),
                "p99": _pct(self.cv("p99")),
            },
            "runs": [r.to_dict() for r in self.runs],
            "warnings": [w.to_dict() for w in self.warnings],
            "interrupted": self.interrupted,
            "failure": self.failure,
            "config": self.config.to_dict(),
            "methodology_id": self.methodology_id,
            "environment": self.environment,
            "git": self.git,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per run: throughput, latency percentiles, errors, CPU and lag columns."""
        import pandas as pd

        rows = []
        for r in self.runs:
            row: dict[str, Any] = {
                "run": r.index,
                "arm": r.arm,
                "ops": r.ops,
                "errors": r.errors,
                "throughput_ops_s": r.throughput_ops_s,
            }
            row.update({f"{k}_ms": r.latency_ms.get(k) for k in LATENCY_KEYS})
            row.update(
                lag_max_ms=r.lag_max_ms,
                client_cpu=r.client_cpu,
                background_busy=r.background_busy,
                dropped=r.dropped,
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def format_text(self) -> str:
        """A few human lines: the aggregate, then one line per run and the warnings."""
        lat = self.latency_ms
        lines = [
            f"{self.target}  mode={self.mode} concurrency={self.concurrency} "
            f"loop={self.config.loop} runs={len(self.runs)}",
            f"  throughput {self.throughput_ops_s:,.1f} ops/s   errors {self.errors} of {self.ops}",
        ]
        engine = engine_note(self.environment)  # Locust: "engine: locust, N workers"
        if engine:
            lines.insert(1, f"  {engine}")
        if lat:
            lines.append(
                "  latency ms  "
                + "  ".join(f"{k} {lat[k]:.4g}" for k in ("p50", "p90", "p99", "p999", "max"))
            )
        if self.mode == "open":
            lines.append(
                f"  open loop at {self.config.rate:g}/s: latency from the intended start; "
                f"dropped {sum(r.dropped for r in self.runs)}"
            )
            for r in self.runs:
                lag, serv = r.schedule_lag_ms or {}, r.service_ms or {}
                if lag and serv:
                    lines.append(
                        f"  run {r.index}: dispatcher lateness p50 {lag['p50']:.3f} / p99 "
                        f"{lag['p99']:.3f} ms; from the actual start p50 {serv['p50']:.3f} / "
                        f"p99 {serv['p99']:.3f} ms"
                    )
        for r in self.runs:
            lines.append(
                f"  run {r.index}: {r.throughput_ops_s:,.1f} ops/s  "
                f"p50 {r.latency_ms.get('p50', float('nan')):.4g} ms  "
                f"p99 {r.latency_ms.get('p99', float('nan')):.4g} ms  errors {r.errors}"
                + (f"  loop-lag max {r.lag_max_ms:.1f} ms" if r.lag_max_ms is not None else "")
                + (f"  client CPU {r.client_cpu:.0%}" if r.client_cpu is not None else "")
            )
        kinds: dict[str, int] = {}
        for r in self.runs:
            for kind, count in r.error_kinds.items():
                kinds[kind] = kinds.get(kind, 0) + count
        if kinds:
            first = next((r.first_error for r in self.runs if r.first_error), "")
            lines.append(
                "  errors by kind: "
                + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
                + f"; first: {first}"
            )
        lines.extend(f"  warning {w}" for w in self.warnings)
        if self.failure:
            lines.append(f"  stopped: {self.failure}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format_text()

    def _repr_html_(self) -> str:
        lat = self.latency_ms
        head = (
            f"<b>{html.escape(self.target)}</b> — {self.mode}, concurrency {self.concurrency}, "
            f"{len(self.runs)} runs, {self.throughput_ops_s:,.1f} ops/s"
        )
        engine = engine_note(self.environment)  # Locust only, as in the text
        if engine:
            head += f"<br>{html.escape(engine)}"
        cells = "".join(
            f"<td>{lat[k]:.3f}</td>" if k in lat else "<td>-</td>" for k in LATENCY_KEYS
        )
        table = (
            "<table><tr>"
            + "".join(f"<th>{k} ms</th>" for k in LATENCY_KEYS)
            + f"</tr><tr>{cells}</tr></table>"
        )
        warns = "".join(f"<li>{html.escape(str(w))}</li>" for w in self.warnings)
        return f"<div>{head}{table}" + (f"<ul>{warns}</ul>" if warns else "") + "</div>"


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100.0
