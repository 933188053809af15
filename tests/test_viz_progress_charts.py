"""Progress charts: times better than the baseline, and before/after for each keep."""

from __future__ import annotations

import pytest
from viz_helpers import figure_svg, figure_texts

from codeflash_lab.viz.progress_charts import plot_cumulative, plot_keeps

ALL_LOG_CHARTS = (plot_cumulative, plot_keeps)


@pytest.fixture
def log(tmp_path, write_results_tsv):
    return write_results_tsv(tmp_path / "results.tsv", count=12)


def test_cumulative_improvement_against_the_baseline(log) -> None:
    fig = plot_cumulative(log)
    text = figure_texts(fig)
    assert "8 KEEP of 12 experiments" in text
    # eight keeps at 15% each: 100 / (100 * 0.85**8) = 3.67x faster
    assert "3.67" in text


def test_keeps_chart_lists_only_keeps_unless_experiments_are_picked(log) -> None:
    labels = figure_texts(plot_keeps(log))
    assert "#1 " in labels
    assert "#3 " not in labels
    picked = figure_texts(plot_keeps(log, "throughput", experiments=[3, 4]))
    assert "#3 " in picked
    assert "#4 " in picked
    assert "#1 " not in picked


@pytest.mark.parametrize("chart", ALL_LOG_CHARTS)
def test_an_empty_log_gives_a_message_not_an_error(tmp_path, write_results_tsv, chart) -> None:
    path = write_results_tsv(tmp_path / "results.tsv", [])
    fig = chart(path)
    assert fig.get_label() == "message"
    assert "No experiments" in figure_texts(fig)


@pytest.mark.parametrize("chart", ALL_LOG_CHARTS)
def test_a_single_row_log_draws(tmp_path, write_results_tsv, chart) -> None:
    path = write_results_tsv(
        tmp_path / "results.tsv",
        [
            {
                "baseline_latency_ms": "40",
                "optimized_latency_ms": "30",
                "baseline_throughput": "100",
                "optimized_throughput": "130",
            }
        ],
    )
    fig = chart(path)
    assert fig.get_label() != "message"
    figure_svg(fig)


def test_user_text_cannot_inject_markup_or_mathtext(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(
        tmp_path / "results.tsv",
        [
            {
                "baseline_latency_ms": "40",
                "optimized_latency_ms": "30",
                "description": "<script>alert(1)</script> saves $5 and $\\frac{",
            }
        ],
    )
    svg = figure_svg(plot_keeps(path))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_only_discards(tmp_path, write_results_tsv) -> None:
    rows = [
        {"baseline_latency_ms": "40", "optimized_latency_ms": f"{41 + i}", "status": "DISCARD"}
        for i in range(4)
    ]
    path = write_results_tsv(tmp_path / "results.tsv", rows)
    assert "no KEEP yet" in figure_texts(plot_cumulative(path))
    keeps = plot_keeps(path)
    assert keeps.get_label() == "message"
    assert "discarded" in figure_texts(keeps)


def test_non_numeric_cells_are_skipped(tmp_path, write_results_tsv) -> None:
    rows = [
        {"baseline_latency_ms": "slow", "optimized_latency_ms": "??", "status": "KEEP"},
        {"baseline_latency_ms": "50", "optimized_latency_ms": "n/a", "status": "DISCARD"},
        {"baseline_latency_ms": "50", "optimized_latency_ms": "35", "status": "KEEP"},
    ]
    path = write_results_tsv(tmp_path / "results.tsv", rows)
    figure_svg(plot_keeps(path))
    assert "1.43" in figure_texts(plot_cumulative(path))
    assert (
        plot_cumulative(
            write_results_tsv(tmp_path / "x.tsv", [{"baseline_latency_ms": "x"}])
        ).get_label()
        == "message"
    )


def test_unknown_metric_names_the_parameter(log) -> None:
    with pytest.raises(ValueError, match="metric"):
        plot_keeps(log, "p75")
    with pytest.raises(ValueError, match="max_keeps"):
        plot_keeps(log, max_keeps=0)


def _two_targets(tmp_path, write_results_tsv):
    # /process: 400 -> 100 ms (4x); /checkout: its own scale, 40 -> 20 ms (2x).
    # Read as one series, the chart would claim 400 / 20 = 20x.
    rows = [
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "400",
            "optimized_latency_ms": "200",
        },
        {"target_test": "GET /checkout", "baseline_latency_ms": "40", "optimized_latency_ms": "20"},
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "200",
            "optimized_latency_ms": "100",
        },
        {
            "target_test": "GET /checkout",
            "baseline_latency_ms": "20",
            "optimized_latency_ms": "30",
            "status": "DISCARD",
        },
    ]
    return write_results_tsv(tmp_path / "results.tsv", rows)


def test_several_targets_compound_each_keeps_own_gain(tmp_path, write_results_tsv) -> None:
    fig = plot_cumulative(_two_targets(tmp_path, write_results_tsv))
    text = figure_texts(fig)
    assert "compounded over keeps on 2 targets" in text
    assert "3 KEEP of 4 experiments" in text
    # 2x, 2x and 2x kept: 8x in all; never 400 / 20 = 20x.
    assert "8.00" in text
    assert "20.00" not in text
    legend = fig.axes[0].get_legend().get_title().get_text()
    assert "each KEEP's own before/after, multiplied" in legend
    assert "(GET /process, GET /checkout)" in legend
    figure_svg(fig)


def test_one_named_target_keeps_the_baseline_view(tmp_path, write_results_tsv) -> None:
    rows = [
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "400",
            "optimized_latency_ms": "200",
        },
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "210",
            "optimized_latency_ms": "100",
        },
    ]
    text = figure_texts(plot_cumulative(write_results_tsv(tmp_path / "results.tsv", rows)))
    assert "compounded" not in text
    assert "4.00" in text  # the first baseline against the value in force


def test_several_targets_with_only_discards_or_no_numbers(tmp_path, write_results_tsv) -> None:
    rows = [
        {
            "target_test": t,
            "baseline_latency_ms": "40",
            "optimized_latency_ms": "44",
            "status": "DISCARD",
        }
        for t in ("GET /a", "GET /b")
    ]
    text = figure_texts(plot_cumulative(write_results_tsv(tmp_path / "d.tsv", rows)))
    assert "no KEEP yet" in text
    assert "on 2 targets" in text
    blank = [{"target_test": t, "baseline_latency_ms": "x"} for t in ("GET /a", "GET /b")]
    fig = plot_cumulative(write_results_tsv(tmp_path / "x.tsv", blank))
    assert fig.get_label() == "message"
