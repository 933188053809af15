"""Benchmark charts: the concurrency sweep with its knee, the A/B latency distribution."""

from __future__ import annotations

import math

import pytest
from viz_helpers import figure_texts

from codeflash_lab.viz.bench_charts import plot_latency_cdf, plot_sweep
from codeflash_lab.viz.style import STATUS_COLORS

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
    assert "knee ≈ 8" in figure_texts(fig)
    assert [line.get_xdata()[0] for line in ax_t.lines if len(line.get_xdata()) == 2] == [8.0]
    assert len(ax_l.get_lines()) >= 2  # p50 and p99
    assert ax_t.get_xscale() == "log"


def test_several_sweeps_overlay_with_their_labels() -> None:
    after = {**SWEEP, "knee": 16}
    fig = plot_sweep([SWEEP, after], labels=["before", "after"])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["before", "after"]
    assert "knee ≈ 16" in figure_texts(fig)


def test_sweep_without_points_says_so() -> None:
    fig = plot_sweep({"points": []})
    assert fig.get_label() == "message"
    assert "sweep" in figure_texts(fig)


def test_cdf_uses_a_log_percentile_axis() -> None:
    fig = plot_latency_cdf(COMPARE)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["50%", "90%", "99%", "99.9%"]
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names == ["main", "head"]
    # 99% sits one step right of 90%: the axis is in "nines"
    bold = [line for line in ax.get_lines() if line.get_linewidth() > 2]
    assert list(bold[0].get_xdata()) == pytest.approx([math.log10(2), 1.0, 2.0, 3.0])
    assert "verdict KEEP" in figure_texts(fig)
    assert ax._left_title.get_color() == STATUS_COLORS["KEEP"]


def test_cdf_without_a_verdict() -> None:
    fig = plot_latency_cdf({k: v for k, v in COMPARE.items() if k != "verdict"})
    assert "verdict" not in figure_texts(fig)


def test_cdf_from_raw_samples() -> None:
    a = [float(i % 50 + 1) for i in range(2000)]
    b = [v / 2 for v in a]
    fig = plot_latency_cdf(a=a, b=b, labels=("before", "after"))
    names = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert names == ["before", "after"]


def test_cdf_without_data_says_so() -> None:
    assert plot_latency_cdf({"a": {}, "b": {}}).get_label() == "message"
    assert plot_latency_cdf().get_label() == "message"


def test_bad_input_type_names_what_was_expected() -> None:
    with pytest.raises(ValueError, match="to_dict"):
        plot_sweep(42)


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
