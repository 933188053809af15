"""Evidence charts: the event-loop lag timeline and findings by category."""

from __future__ import annotations

import matplotlib.colors as mcolors
from viz_helpers import figure_texts

from codeflash_lab.viz.evidence_charts import plot_findings, plot_lag
from codeflash_lab.viz.style import IMPACT_COLORS


def test_lag_timeline_shows_threshold_and_stalls() -> None:
    lag = {
        "samples": [[i * 0.01, 30.0 if i % 100 == 0 else 0.3] for i in range(500)],
        "stalls": [{"t_s": i * 0.01, "lag_ms": 30.0} for i in range(0, 500, 100)],
        "threshold_ms": 20.0,
        "p50_ms": 0.3,
        "p99_ms": 30.0,
        "max_ms": 30.0,
    }
    fig = plot_lag(lag)
    text = figure_texts(fig)
    assert "stall threshold 20 ms" in text
    assert "p99 30.00 ms" in text
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "5 stalls"


def test_long_lag_timelines_are_reduced_without_losing_the_peaks() -> None:
    samples = [(i * 0.001, 50.0 if i == 77_777 else 0.1) for i in range(100_000)]
    fig = plot_lag({"samples": samples}, max_points=1000)
    line = fig.axes[0].get_lines()[0]
    assert len(line.get_ydata()) == 1000
    assert max(line.get_ydata()) == 50.0


def test_lag_without_samples_says_so() -> None:
    assert plot_lag({"samples": []}).get_label() == "message"


def test_findings_by_category_high_impact_first() -> None:
    findings = (
        [{"category": "unbounded-gather", "impact": "MEDIUM"}] * 5
        + [{"category": "blocking-call", "impact": "HIGH"}] * 2
        + [{"category": "custom-rule", "impact": "low"}]
    )
    fig = plot_findings(findings)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("Blocking call")  # the top bar
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths == [1, 2, 5]
    colours = {p.get_facecolor()[:3] for p in ax.patches}
    assert len(colours) == 3
    assert mcolors.to_hex(ax.patches[0].get_facecolor()) == IMPACT_COLORS["HIGH"]
    assert "8 in total" in figure_texts(fig)


def test_findings_accept_a_dataframe_and_empty_input() -> None:
    import pandas as pd

    frame = pd.DataFrame({"category": ["blocking-call"], "impact": ["HIGH"]})
    assert plot_findings(frame).get_label() != "message"
    empty = plot_findings([])
    assert empty.get_label() == "message"
    assert "no async antipatterns" in figure_texts(empty)


def test_lag_chart_of_a_real_monitor_result() -> None:
    import asyncio
    import time

    from codeflash_lab.profiling import LagMonitor

    async def main():
        async with LagMonitor(interval_s=0.005, threshold_ms=15.0, sample_stacks=False) as mon:
            await asyncio.sleep(0.05)
            time.sleep(0.04)  # noqa: ASYNC251 -- on purpose: the loop must stall
            await asyncio.sleep(0.05)
        return mon.result()

    result = asyncio.run(main())
    for source in (result, result.to_dict()):
        fig = plot_lag(source)
        assert fig.get_label() != "message"
        assert "stall threshold 15 ms" in figure_texts(fig)
        legend = fig.axes[0].get_legend()
        assert legend is not None
        assert "stall" in legend.get_texts()[0].get_text()
