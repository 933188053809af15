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
    compact_charts,
    figure_png,
    fit_titles,
    message_figure,
)
from codeflash_lab.viz.target_charts import plot_target_metric, plot_target_progress
from codeflash_lab.viz.targets import main_target, target_frames, target_names
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
    "compact_charts",
    "experiments_frame",
    "figure_png",
    "fit_titles",
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
    "plot_target_metric",
    "plot_target_progress",
    "plot_throughput",
    "results_path",
    "target_frames",
    "target_names",
    "with_compare_percentiles",
]
