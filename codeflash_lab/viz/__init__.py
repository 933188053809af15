"""Charts (matplotlib Figures) and ipywidgets dashboards over results.tsv and saved runs."""

from __future__ import annotations

from codeflash_lab.viz.bench_charts import plot_latency_cdf, plot_sweep
from codeflash_lab.viz.data import (
    METRICS,
    Metric,
    available_metrics,
    experiments_frame,
    results_path,
    with_compare_percentiles,
)
from codeflash_lab.viz.evidence_charts import plot_findings, plot_lag
from codeflash_lab.viz.live import LiveView
from codeflash_lab.viz.log_charts import plot_experiments, plot_latency, plot_throughput
from codeflash_lab.viz.progress_charts import plot_cumulative, plot_keeps
from codeflash_lab.viz.style import (
    PATTERN_COLORS,
    STATUS_COLORS,
    chart_style,
    figure_png,
    message_figure,
)
from codeflash_lab.viz.targets import main_target, target_names
from codeflash_lab.viz.widgets import ResultsDashboard

__all__ = [
    "METRICS",
    "PATTERN_COLORS",
    "STATUS_COLORS",
    "LiveView",
    "Metric",
    "ResultsDashboard",
    "available_metrics",
    "chart_style",
    "experiments_frame",
    "figure_png",
    "main_target",
    "message_figure",
    "plot_cumulative",
    "plot_experiments",
    "plot_findings",
    "plot_keeps",
    "plot_lag",
    "plot_latency",
    "plot_latency_cdf",
    "plot_sweep",
    "plot_throughput",
    "results_path",
    "target_names",
    "with_compare_percentiles",
]
