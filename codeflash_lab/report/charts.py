"""The report's charts: each drawn with matplotlib and kept as inline SVG (or a message)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codeflash_lab.report.collect import ReportInputs
from codeflash_lab.report.svg import figure_svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Chart", "run_charts", "target_charts"]


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart of the report: inline SVG, or a message when there was nothing to draw."""

    key: str
    title: str
    caption: str
    svg: str = ""
    message: str = ""


def _chart(key: str, title: str, caption: str, fig: Figure) -> Chart:
    from codeflash_lab.viz import fit_titles

    if fig.get_label() == "message":
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        return Chart(key, title, caption, message=" ".join(texts).replace(r"\$", "$"))
    fit_titles(fig)
    return Chart(key, title, caption, svg=figure_svg(fig, key=key, label=title))


def target_charts(index: int, rows: Any) -> list[Chart]:
    """One target's charts: progress against its baseline, latency and throughput per
    experiment (``rows``: its rows of the experiment frame; ``index`` keys the SVG ids)."""
    from codeflash_lab.viz import compact_charts, plot_target_metric, plot_target_progress

    key = f"t{index}"
    with compact_charts():
        return [
            _chart(
                f"{key}-progress",
                "How far it has come",
                "Times better than this target's own baseline after each experiment; only a "
                "KEEP moves the lines.",
                plot_target_progress(rows),
            ),
            _chart(
                f"{key}-latency",
                "Latency per experiment",
                "Each dot is one experiment's result (colour: KEEP or DISCARD); the dashed line "
                "is the baseline, the green step the latency in force.",
                plot_target_metric(rows, "p50"),
            ),
            _chart(
                f"{key}-throughput",
                "Throughput per experiment",
                "Operations per second after each change; higher is better.",
                plot_target_metric(rows, "throughput"),
            ),
        ]


def run_charts(inputs: ReportInputs) -> list[Chart]:
    """Charts of the latest saved runs: the A/B latency distribution, the concurrency
    sweep, the event-loop lag and the scanner findings, each when one was saved."""
    from codeflash_lab.viz import compact_charts

    with compact_charts():
        return _saved_run_charts(inputs)


def _on(run: dict[str, Any] | None) -> str:
    """`` Target: GET /x.`` for a saved run that names one."""
    target = str((run or {}).get("target") or "")
    return f" Target: {target}." if target else ""


def _saved_run_charts(inputs: ReportInputs) -> list[Chart]:
    from codeflash_lab.viz import plot_findings, plot_lag, plot_latency_cdf, plot_sweep

    charts = []
    if inputs.compare:
        charts.append(
            _chart(
                "cdf",
                "Latest A/B latency distribution",
                "Percentiles of the latest compare run; each step right adds a nine "
                "(90%, 99%, 99.9%). Thin lines are single runs." + _on(inputs.compare),
                plot_latency_cdf(inputs.compare),
            )
        )
    if inputs.sweep:
        charts.append(
            _chart(
                "sweep",
                "Concurrency sweep",
                "Past the knee, more operations in flight add latency without adding throughput."
                + _on(inputs.sweep),
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
