"""Per-experiment charts of the log, including logs that have little or nothing to draw."""

from __future__ import annotations

import pytest
from viz_helpers import figure_svg, figure_texts, point_colours

from codeflash_lab.viz.log_charts import plot_experiments, plot_latency, plot_throughput
from codeflash_lab.viz.style import STATUS_COLORS

ALL_LOG_CHARTS = (plot_experiments, plot_latency, plot_throughput)


@pytest.fixture
def log(tmp_path, write_results_tsv):
    return write_results_tsv(tmp_path / "results.tsv", count=12)


def test_experiments_chart_colours_keep_and_discard(log) -> None:
    fig = plot_experiments(log, "p50")
    assert fig.get_label() != "message"
    assert {STATUS_COLORS["KEEP"], STATUS_COLORS["DISCARD"]} <= point_colours(fig)
    assert "p50 latency" in figure_texts(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"KEEP", "DISCARD", "sequential-awaits"} <= set(legend)


def test_throughput_chart_says_higher_is_better(log) -> None:
    assert "higher is better" in figure_texts(plot_throughput(log))


def test_long_logs_show_the_latest_window_and_say_so(log) -> None:
    fig = plot_experiments(log, "p50", max_points=5)
    assert "last 5 of 12" in figure_texts(fig)
    from matplotlib.collections import PathCollection

    points = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    xs = [x for coll in points for x, _ in coll.get_offsets()]
    assert min(xs) == 8


def test_highlighted_experiments_are_labelled(log) -> None:
    assert "#3" in figure_texts(plot_experiments(log, "p50", highlight=[3, 99]))


def test_row_filter_keeps_the_whole_log_baseline(log) -> None:
    fig = plot_experiments(log, "p50", rows=[3, 6, 9])
    assert point_colours(fig) >= {STATUS_COLORS["DISCARD"]}
    assert STATUS_COLORS["KEEP"] not in point_colours(fig)
    assert "baseline 100 ms" in figure_texts(fig)
    assert plot_experiments(log, "p50", rows=[]).get_label() == "message"


def test_latency_gets_a_p99_panel_when_p99_is_known(log) -> None:
    from codeflash_lab.viz.data import experiments_frame

    frame = experiments_frame(log)
    assert len(plot_latency(frame).axes) == 1
    frame["optimized_p99_ms"] = frame["optimized_latency_ms"] * 3
    frame["baseline_p99_ms"] = frame["baseline_latency_ms"] * 3
    fig = plot_latency(frame)
    assert len(fig.axes) == 2
    assert "p99 latency (ms)" in fig.axes[1].get_ylabel()


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


def test_only_discards(tmp_path, write_results_tsv) -> None:
    rows = [
        {"baseline_latency_ms": "40", "optimized_latency_ms": f"{41 + i}", "status": "DISCARD"}
        for i in range(4)
    ]
    path = write_results_tsv(tmp_path / "results.tsv", rows)
    assert STATUS_COLORS["KEEP"] not in point_colours(plot_experiments(path))
    assert plot_throughput(path).get_label() == "message"


def test_non_numeric_cells_are_skipped(tmp_path, write_results_tsv) -> None:
    rows = [
        {"baseline_latency_ms": "slow", "optimized_latency_ms": "??", "status": "KEEP"},
        {"baseline_latency_ms": "50", "optimized_latency_ms": "n/a", "status": "DISCARD"},
        {"baseline_latency_ms": "50", "optimized_latency_ms": "35", "status": "KEEP"},
    ]
    path = write_results_tsv(tmp_path / "results.tsv", rows)
    for chart in ALL_LOG_CHARTS:
        figure_svg(chart(path))


def test_all_cells_non_numeric_gives_a_message(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(
        tmp_path / "results.tsv", [{"baseline_latency_ms": "x", "optimized_latency_ms": "y"}]
    )
    assert plot_experiments(path).get_label() == "message"


def test_unknown_metric_names_the_parameter(log) -> None:
    with pytest.raises(ValueError, match="metric"):
        plot_experiments(log, "p75")
    with pytest.raises(ValueError, match="max_points"):
        plot_experiments(log, max_points=0)


def test_several_targets_draw_the_main_targets_own_baseline(tmp_path, write_results_tsv) -> None:
    rows = [
        {"target_test": "GET /checkout", "baseline_latency_ms": "40", "optimized_latency_ms": "20"},
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "400",
            "optimized_latency_ms": "200",
        },
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "200",
            "optimized_latency_ms": "100",
        },
    ]
    fig = plot_experiments(write_results_tsv(tmp_path / "results.tsv", rows))
    assert "baseline 400 ms, GET /process" in figure_texts(fig)
    in_force = [line for line in fig.axes[0].get_lines() if line.get_label() == "in force (kept)"]
    assert [list(line.get_ydata()) for line in in_force] == [[200.0, 100.0]]
