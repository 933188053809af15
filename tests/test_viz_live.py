"""The live view: refreshes when results.tsv changes, follows a run, shows its progress."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from codeflash_lab.viz.live import LiveView

PNG = b"\x89PNG"


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
