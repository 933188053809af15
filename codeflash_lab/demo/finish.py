"""The demo's last steps: the pre-submit review of the whole diff and the HTML report."""

from __future__ import annotations

from pathlib import Path

from codeflash_lab.demo.context import DemoContext
from codeflash_lab.experiments.review import record_review, review
from codeflash_lab.report import build_report

__all__ = ["REPORT_NAME", "finish_run", "review_diff", "write_report"]

#: File name of the report inside the demo's scratch folder.
REPORT_NAME = "report.html"


def review_diff(ctx: DemoContext) -> None:
    """Review ``main..codeflash/optimize`` and record it (runs/ and HANDOFF.md)."""
    result = review(ctx.demo.project)
    record_review(result, ctx.demo.project)
    counts = ", ".join(f"{n} {sev}" for sev, n in result.counts().items())
    ctx.say(
        f"[review] {len(result.files)} changed file(s), {len(result.checks_run)} checks: {counts}"
    )
    for finding in result.findings:
        ctx.say(f"[review]   {finding.severity}: {finding.message}")


def write_report(ctx: DemoContext) -> Path:
    """Write the self-contained HTML report into the scratch folder and return its path."""
    report = build_report(ctx.demo.project, title="Async performance report: shopfront demo")
    path = report.to_file(ctx.demo.workdir / REPORT_NAME)
    ctx.say(f"[report] {path}")
    return path


def finish_run(ctx: DemoContext) -> Path:
    """Review, then report; returns the report's path."""
    review_diff(ctx)
    return write_report(ctx)
