"""The report object: built once from ``.codeflash/``, rendered as one self-contained HTML file."""

from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.report.collect import ReportInputs, collect_inputs
from codeflash_lab.report.summary import Summary, summarize
from codeflash_lab.report.svg import figure_svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from codeflash_lab.workspace.layout import Workspace

__all__ = ["Chart", "Report", "build_report"]

_IMPACT_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart of the report: inline SVG, or a message when there was nothing to draw."""

    key: str
    title: str
    caption: str
    svg: str = ""
    message: str = ""


@dataclass(frozen=True)
class Report:
    """A finished report: every section's data plus the charts as SVG.

    Render it with :meth:`to_html` / :meth:`to_file`; in a notebook it shows itself
    in an isolated frame.
    """

    title: str
    project: str
    generated: str
    version: str
    summary: Summary
    charts: tuple[Chart, ...]
    experiments: tuple[dict[str, Any], ...]
    experiments_total: int
    findings: tuple[dict[str, Any], ...] = ()
    findings_total: int = 0
    scanned: bool = False
    files_scanned: int | None = None
    review: tuple[dict[str, Any], ...] = ()
    reviewed: str = ""
    methodology: dict[str, Any] = field(default_factory=dict)
    setup: dict[str, str] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    environment_source: str = ""
    handoff: str = ""
    latest_bench: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_html(self) -> str:
        """The whole report as one HTML document (no external resources)."""
        from codeflash_lab.report.render import render_report

        return render_report(self)

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path`` (creating folders) and return the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def to_dict(self) -> dict[str, Any]:
        """The report's data as a JSON-ready dict (charts by title, without their SVG)."""
        return {
            "title": self.title,
            "project": self.project,
            "generated": self.generated,
            "version": self.version,
            "summary": self.summary.to_dict(),
            "charts": [{"key": c.key, "title": c.title, "message": c.message} for c in self.charts],
            "experiments_total": self.experiments_total,
            "findings_total": self.findings_total,
            "review": list(self.review),
            "methodology": self.methodology,
            "environment": self.environment,
            "warnings": list(self.warnings),
        }

    def _repr_html_(self) -> str:
        doc = html.escape(self.to_html(), quote=True)
        return (
            f'<iframe srcdoc="{doc}" title="{html.escape(self.title)}" '
            'style="width:100%;height:900px;border:1px solid #ddd;border-radius:6px"></iframe>'
        )


def _chart(key: str, title: str, caption: str, fig: Figure) -> Chart:
    if fig.get_label() == "message":
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        return Chart(key, title, caption, message=" ".join(texts).replace(r"\$", "$"))
    return Chart(key, title, caption, svg=figure_svg(fig, key=key, label=title))


def _log_charts(inputs: ReportInputs, max_points: int) -> list[Chart]:
    from codeflash_lab.viz import (
        plot_cumulative,
        plot_keeps,
        plot_latency,
        plot_throughput,
        target_names,
    )

    frame = inputs.frame
    if frame.empty:
        return []
    several = len(target_names(frame)) > 1
    cumulative = (
        "Each KEEP's own before/after gain, multiplied across the targets it was measured "
        "on; the summary above gives each target's real numbers. Only a KEEP moves the lines."
        if several
        else "How many times better than the original baseline after each experiment. "
        "Only a KEEP moves the lines."
    )
    return [
        _chart("cumulative", "How far the code has come", cumulative, plot_cumulative(frame)),
        _chart(
            "latency",
            "Latency per experiment",
            "Each marker is one experiment's result (colour: KEEP or DISCARD; shape: the "
            "pattern it tackled). The green step is the latency in force.",
            plot_latency(frame, max_points=max_points),
        ),
        _chart(
            "throughput",
            "Throughput per experiment",
            "Operations per second after each change; higher is better.",
            plot_throughput(frame, max_points=max_points),
        ),
        _chart(
            "keeps",
            "Before and after each KEEP",
            "Each arrow runs from the p50 latency before a kept change to the latency after it.",
            plot_keeps(frame),
        ),
    ]


def _run_charts(inputs: ReportInputs) -> list[Chart]:
    from codeflash_lab.viz import plot_findings, plot_lag, plot_latency_cdf, plot_sweep

    charts = []
    if inputs.compare:
        charts.append(
            _chart(
                "cdf",
                "Latest A/B latency distribution",
                "Percentiles of the latest compare run; each step right adds a nine "
                "(90%, 99%, 99.9%). Thin lines are single runs.",
                plot_latency_cdf(inputs.compare),
            )
        )
    if inputs.sweep:
        charts.append(
            _chart(
                "sweep",
                "Concurrency sweep",
                "Past the knee, more operations in flight add latency without adding throughput.",
                plot_sweep(inputs.sweep),
            )
        )
    if inputs.lag:
        charts.append(
            _chart(
                "lag",
                "Event-loop lag",
                "How late the loop ran a probe scheduled at a fixed interval; spikes are stalls.",
                plot_lag(inputs.lag),
            )
        )
    if inputs.scan:
        charts.append(
            _chart(
                "findings",
                "Scanner findings by category",
                "From the latest scan, highest impact first.",
                plot_findings(inputs.scan.get("findings") or []),
            )
        )
    return charts


def _cell(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _experiment_rows(inputs: ReportInputs, limit: int) -> tuple[dict[str, Any], ...]:
    frame = inputs.frame
    if len(frame) > limit:
        frame = frame.iloc[-limit:]
    columns = (
        "commit",
        "status",
        "pattern",
        "description",
        "baseline_latency_ms",
        "optimized_latency_ms",
        "latency_change",
        "baseline_throughput",
        "optimized_throughput",
        "throughput_change",
        "concurrency",
        "tests_passed",
        "tests_failed",
    )
    records = frame.reset_index()[["experiment", *columns]].to_dict("records")
    return tuple({k: _cell(v) for k, v in r.items()} for r in records)


def _findings(scan: dict[str, Any] | None, limit: int) -> tuple[tuple[dict[str, Any], ...], int]:
    items = [f for f in (scan or {}).get("findings") or [] if isinstance(f, dict)]
    items.sort(
        key=lambda f: (
            _IMPACT_ORDER.get(str(f.get("impact", "")).upper(), 3),
            str(f.get("path", "")),
            int(f.get("line") or 0) if str(f.get("line") or 0).isdigit() else 0,
        )
    )
    return tuple(items[:limit]), len(items)


def _review(review: dict[str, Any] | None) -> tuple[tuple[dict[str, Any], ...], str]:
    if not review:
        return (), ""
    items = [f for f in review.get("findings") or [] if isinstance(f, dict)]
    items.sort(key=lambda f: _SEVERITY_ORDER.get(str(f.get("severity", "")), 3))
    base, head = review.get("base") or "", review.get("head") or ""
    span = f"{base}..{head}" if base or head else ""
    return tuple(items), span or str(review.get("created", ""))


def _bench_line(bench: dict[str, Any] | None) -> dict[str, Any]:
    """The latest benchmark's headline numbers (empty when none was saved)."""
    if not bench:
        return {}
    raw = bench.get("latency_ms")
    lat: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "target": str(bench.get("target", "")),
        "concurrency": bench.get("concurrency"),
        "p50_ms": lat.get("p50"),
        "p99_ms": lat.get("p99"),
        "throughput_ops_s": bench.get("throughput_ops_s"),
        "created": str(bench.get("created", ""))[:16].replace("T", " "),
    }


def build_report(
    project: Workspace | str | os.PathLike[str],
    *,
    title: str | None = None,
    table_limit: int = 1000,
    findings_limit: int = 25,
    max_points: int = 400,
) -> Report:
    """Build the report of a project from its ``.codeflash/`` folder.

    Args:
        project: the project folder (or its :class:`Workspace`, or ``.codeflash`` itself).
        title: the page title (default: "Async performance report: <project name>").
        table_limit: the experiments table lists at most the last this many rows.
        findings_limit: at most this many scanner findings are listed.
        max_points: per-experiment charts draw at most the last this many experiments.

    Returns:
        The :class:`Report`; call ``to_file(path)`` to write it.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
        ValueError: a limit below 1.
    """
    from codeflash_lab import __version__

    for name, value in (
        ("table_limit", table_limit),
        ("findings_limit", findings_limit),
        ("max_points", max_points),
    ):
        if value < 1:
            raise ValueError(f"{name}: must be at least 1, got {value}")
    inputs = collect_inputs(project)
    name = inputs.workspace.project.name
    findings, findings_total = _findings(inputs.scan, findings_limit)
    review, reviewed = _review(inputs.review)
    methodology = dict(inputs.methodology or {})
    scanned_files = (inputs.scan or {}).get("files_scanned")
    return Report(
        title=title or f"Async performance report: {name}",
        project=str(inputs.workspace.project),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        summary=summarize(inputs.frame, inputs.log.rows),
        charts=tuple(_log_charts(inputs, max_points) + _run_charts(inputs)),
        experiments=_experiment_rows(inputs, table_limit),
        experiments_total=len(inputs.frame),
        findings=findings,
        findings_total=findings_total,
        scanned=inputs.scan is not None,
        files_scanned=scanned_files if isinstance(scanned_files, int) else None,
        review=review,
        reviewed=reviewed,
        methodology=methodology,
        setup=inputs.setup,
        environment=inputs.environment,
        environment_source=inputs.environment_source,
        handoff=inputs.handoff,
        latest_bench=_bench_line(inputs.bench),
        warnings=tuple(inputs.warnings),
    )
