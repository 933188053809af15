"""Charts of single measurements: sweep with knee, A/B distribution, loop lag, findings."""

from __future__ import annotations

import math

import matplotlib.colors as mcolors
import pytest

from codeflash_lab.viz.run_charts import plot_findings, plot_lag, plot_latency_cdf, plot_sweep
from codeflash_lab.viz.style import IMPACT_COLORS, STATUS_COLORS


def _texts(fig) -> str:
    parts = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    parts += [t.get_text() for ax in fig.axes for t in ax.texts]
    parts += [
        t.get_text() for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())
    ]
    return " | ".join(parts)


SWEEP = {
    "target": "svc:fetch",
    "points": [
        {
            "concurrency": c,
            "throughput_ops_s": 100.0 * min(c, 8),
            "latency_ms": {"p50": 5.0 * max(1, c / 8), "p99": 12.0 * max(1, c / 8)},
        }
        for c in (1, 2, 4, 8, 16, 32)
    ],
    "knee": {"concurrency": 8},
}

COMPARE = {
    "verdict": "KEEP",
    "a": {
        "label": "main",
        "latency_ms": {"p50": 10.0, "p90": 14.0, "p99": 40.0, "p999": 90.0},
        "runs": [{"latency_ms": {"p50": 9.0, "p90": 13.0, "p99": 37.0, "p999": 80.0}}],
    },
    "b": {
        "label": "head",
        "latency_ms": {"p50": 4.0, "p90": 6.0, "p99": 12.0, "p999": 30.0},
        "runs": [],
    },
}


def test_sweep_draws_both_panels_and_marks_the_knee() -> None:
    fig = plot_sweep(SWEEP)
    ax_t, ax_l = fig.axes
    assert "knee ≈ 8" in _texts(fig)
    assert [line.get_xdata()[0] for line in ax_t.lines if len(line.get_xdata()) == 2] == [8.0]
    assert len(ax_l.get_lines()) >= 2  # p50 and p99
    assert ax_t.get_xscale() == "log"


def test_several_sweeps_overlay_with_their_labels() -> None:
    after = {**SWEEP, "knee": 16}
    fig = plot_sweep([SWEEP, after], labels=["before", "after"])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["before", "after"]
    assert "knee ≈ 16" in _texts(fig)


def test_sweep_without_points_says_so() -> None:
    fig = plot_sweep({"points": []})
    assert fig.get_label() == "message"
    assert "sweep" in _texts(fig)


def test_cdf_uses_a_log_percentile_axis() -> None:
    fig = plot_latency_cdf(COMPARE)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["50%", "90%", "99%", "99.9%"]
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names == ["main", "head"]
    # 99% sits one step right of 90%: the axis is in "nines"
    bold = [line for line in ax.get_lines() if line.get_linewidth() > 2]
    assert list(bold[0].get_xdata()) == pytest.approx([math.log10(2), 1.0, 2.0, 3.0])
    assert "verdict KEEP" in _texts(fig)
    assert ax._left_title.get_color() == STATUS_COLORS["KEEP"]


def test_cdf_without_a_verdict() -> None:
    fig = plot_latency_cdf({k: v for k, v in COMPARE.items() if k != "verdict"})
    assert "verdict" not in _texts(fig)


def test_cdf_from_raw_samples() -> None:
    a = [float(i % 50 + 1) for i in range(2000)]
    b = [v / 2 for v in a]
    fig = plot_latency_cdf(a=a, b=b, labels=("before", "after"))
    names = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert names == ["before", "after"]


def test_cdf_without_data_says_so() -> None:
    assert plot_latency_cdf({"a": {}, "b": {}}).get_label() == "message"
    assert plot_latency_cdf().get_label() == "message"


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
    text = _texts(fig)
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
    assert "8 in total" in _texts(fig)


def test_findings_accept_a_dataframe_and_empty_input() -> None:
    import pandas as pd

    frame = pd.DataFrame({"category": ["blocking-call"], "impact": ["HIGH"]})
    assert plot_findings(frame).get_label() != "message"
    empty = plot_findings([])
    assert empty.get_label() == "message"
    assert "no async antipatterns" in _texts(empty)


def test_bad_input_type_names_what_was_expected() -> None:
    with pytest.raises(ValueError, match="to_dict"):
        plot_sweep(42)


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
        assert "stall threshold 15 ms" in _texts(fig)
        legend = fig.axes[0].get_legend()
        assert legend is not None
        assert "stall" in legend.get_texts()[0].get_text()


@pytest.mark.slow
def test_sweep_chart_of_a_real_sweep() -> None:
    import asyncio

    from codeflash_lab.bench import BenchConfig, sweep

    async def op() -> None:
        await asyncio.sleep(0.001)

    result = sweep(
        op,
        levels=(1, 2, 4),
        config=BenchConfig(min_run_s=0.2, warmup_s=0.05),
        probe=False,
        isolation="loop",
        save=False,
        progress=False,
    )
    for source in (result, result.to_dict()):
        fig = plot_sweep(source)
        assert fig.get_label() != "message"
        xs = list(fig.axes[0].get_lines()[0].get_xdata())
        assert xs == [1, 2, 4]
