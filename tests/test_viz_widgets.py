"""The results explorer: menus built from the data, in-place redraws, filters, comparison."""

from __future__ import annotations

import pytest

from codeflash_lab.viz.widgets import ResultsDashboard

PNG = b"\x89PNG"


@pytest.fixture
def log(tmp_path, write_results_tsv):
    return write_results_tsv(tmp_path / ".codeflash" / "results.tsv", count=9)


def test_menus_come_from_the_data(log) -> None:
    dash = ResultsDashboard(log)
    assert [v for _, v in dash.metric.options] == ["p50", "throughput"]
    assert set(dash.status.options) == {"KEEP", "DISCARD"}
    assert set(dash.status.value) == {"KEEP", "DISCARD"}
    patterns = [v for _, v in dash.pattern.options]
    assert patterns == sorted(patterns)
    assert len(patterns) == 9
    assert [v for _, v in dash.compare.options] == list(range(1, 10))
    assert bytes(dash.image.value[:4]) == PNG


def test_changing_a_control_redraws_in_place(log) -> None:
    dash = ResultsDashboard(log)
    image = dash.image
    first = image.value
    dash.metric.value = "throughput"
    assert dash.image is image
    assert image.value != first
    assert dash.last_redraw_s > 0


def test_filters_narrow_the_rows(log) -> None:
    dash = ResultsDashboard(log)
    dash.status.value = ("DISCARD",)
    assert set(dash.filtered()["status"]) == {"DISCARD"}
    assert len(dash.filtered()) == 3
    assert "3 of 9 experiments shown" in dash.info.value
    texts = [t.get_text() for t in dash.figure().axes[0].texts]
    assert "baseline 100 ms" in texts  # the whole log's baseline, not the filtered rows'
    dash.pattern.value = ()
    assert dash.filtered().empty
    assert dash.figure().get_label() == "message"


def test_picking_experiments_shows_the_comparison(log) -> None:
    dash = ResultsDashboard(log)
    assert dash.detail.layout.display == "none"
    dash.compare.value = (2, 3)
    assert dash.detail.layout.display is None
    assert bytes(dash.detail.value[:4]) == PNG
    assert "comparing #2, #3" in dash.info.value


def test_an_empty_log_gives_a_message(tmp_path, write_results_tsv) -> None:
    dash = ResultsDashboard(write_results_tsv(tmp_path / "results.tsv", []))
    assert dash.figure().get_label() == "message"
    assert "no experiments" in dash.info.value
    assert bytes(dash.image.value[:4]) == PNG


def test_a_log_without_numbers_gives_a_message(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(
        tmp_path / "results.tsv", [{"baseline_latency_ms": "?", "status": "DISCARD"}]
    )
    dash = ResultsDashboard(path)
    assert dash.figure().get_label() == "message"


def test_the_dashboard_displays_as_its_widget(log) -> None:
    bundle = ResultsDashboard(log)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_legend_is_html_built_from_the_data(tmp_path, write_results_tsv) -> None:
    from codeflash_lab.viz.style import STATUS_COLORS
    from codeflash_lab.viz.widgets import legend_html

    path = write_results_tsv(
        tmp_path / "results.tsv",
        [
            {"baseline_latency_ms": "4", "optimized_latency_ms": "3", "pattern": "blocking-call"},
            {"baseline_latency_ms": "4", "optimized_latency_ms": "3", "pattern": "<b>odd</b>"},
        ],
    )
    dash = ResultsDashboard(path)
    assert dash.legend.value == legend_html(dash.frame)
    assert STATUS_COLORS["KEEP"] in dash.legend.value
    assert STATUS_COLORS["DISCARD"] not in dash.legend.value
    assert "blocking-call" in dash.legend.value
    assert "&lt;b&gt;odd&lt;/b&gt;" in dash.legend.value
    assert dash.figure().legends == []


def test_a_damaged_log_is_shown_not_raised(tmp_path) -> None:
    path = tmp_path / "results.tsv"
    path.write_text("these\tare\tnot\tthe\tcolumns\n", encoding="utf-8")
    dash = ResultsDashboard(path)
    assert "cannot be read" in dash.problem
    assert "cannot be read" in dash.info.value
    assert dash.figure().get_label() == "message"
    assert bytes(dash.image.value[:4]) == PNG
