"""Dashboards: menus built from the data, in-place redraws, and a live view that follows a run."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from codeflash_lab.viz.widgets import LiveView, ResultsDashboard

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


def test_live_view_refreshes_only_when_the_file_changes(tmp_path, write_results_tsv) -> None:
    path = tmp_path / ".codeflash" / "results.tsv"
    view = LiveView(tmp_path, total=2)
    assert view.rows == 0
    assert bytes(view.image.value[:4]) == PNG
    assert view.refresh() is False
    write_results_tsv(path, count=2)
    assert view.refresh() is True
    assert view.rows == 2
    assert view.progress.value == view.progress.max == 2


def test_live_view_follows_a_subprocess_to_the_end(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(tmp_path / "results.tsv", count=1)
    code = (
        "import sys, time\n"
        "time.sleep(0.3)\n"
        "with open(sys.argv[1], 'a') as f:\n"
        "    f.write('abc\\tt\\t10\\t8\\t-20%\\t100\\t120\\t+20%\\t4\\t1\\t0\\tKEEP\\tblocking-call\\tnew row\\n')\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)])
    view = LiveView(path, interval_s=0.05)
    try:
        assert view.watch(proc, expected_s=1.0, timeout_s=30) is True
    finally:
        proc.wait(timeout=30)
    assert view.rows == 2
    assert view.progress.bar_style == "success"
    assert view.progress.value == view.progress.max


def test_live_view_follow_does_not_block_the_loop(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(tmp_path / "results.tsv", count=1)
    view = LiveView(path, interval_s=0.01)

    async def main() -> bool:
        work = asyncio.ensure_future(asyncio.sleep(0.1))
        return await view.follow(work, timeout_s=10)

    assert asyncio.run(main()) is True
    assert view.progress.bar_style == "success"


def test_live_view_reports_a_failed_process(tmp_path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    view = LiveView(tmp_path / "results.tsv", interval_s=0.02)
    assert view.watch(proc, timeout_s=30) is False
    assert view.progress.bar_style == "danger"


def test_set_progress_clamps_and_labels(tmp_path) -> None:
    view = LiveView(tmp_path / "results.tsv")
    view.set_progress(150, 100, "ops <b>")
    assert view.progress.value == 100
    assert "&lt;b&gt;" in view.label.value
    assert "(100%)" in view.label.value


def test_live_view_rejects_bad_arguments(tmp_path) -> None:
    with pytest.raises(ValueError, match="metric"):
        LiveView(tmp_path, metric="p42")
    with pytest.raises(ValueError, match="interval_s"):
        LiveView(tmp_path, interval_s=0)
    view = LiveView(tmp_path)
    with pytest.raises(ValueError, match="until"):
        view.watch(42, timeout_s=1)


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
