"""The self-contained HTML report: build it from ``.codeflash/``, write one file, share it."""

from __future__ import annotations

from codeflash_lab.report.model import Chart, Report, build_report
from codeflash_lab.report.notebook import export_notebook_html
from codeflash_lab.report.summary import MetricSummary, Summary, TargetSummary, summarize

__all__ = [
    "Chart",
    "MetricSummary",
    "Report",
    "Summary",
    "TargetSummary",
    "build_report",
    "export_notebook_html",
    "summarize",
]
