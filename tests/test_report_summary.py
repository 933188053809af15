"""Headline numbers: baseline to now, counts, best keep and the ledger's state."""

from __future__ import annotations

import math

from codeflash_lab.report.summary import MetricSummary, summarize
from codeflash_lab.viz.data import experiments_frame
from codeflash_lab.workspace.results import read_results


def _summary(path):
    log = read_results(path, strict=False)
    return summarize(experiments_frame(log), log.rows)


def test_baseline_to_now_follows_the_keeps(tmp_path, write_results_tsv) -> None:
    s = _summary(write_results_tsv(tmp_path / "results.tsv", count=6))
    assert (s.experiments, s.keeps, s.discards) == (6, 4, 2)
    assert s.latency.baseline == 100.0
    assert s.latency.now == 52.201  # 100 * 0.85**4, as written with 3 decimals
    assert round(s.latency.factor, 2) == 1.92
    assert s.throughput.change_pct > 0
    assert s.headline.startswith("After 6 experiments (4 kept, 2 discarded): p50 latency 100 ms")
    assert "1.92\u00d7 faster" in s.headline
    assert s.best_keep.startswith("#1 ")
    assert s.status["experiments"] == 6
    assert s.status["keeps"] == 4


def test_empty_log(tmp_path, write_results_tsv) -> None:
    s = _summary(write_results_tsv(tmp_path / "results.tsv", []))
    assert s.experiments == 0
    assert s.latency is None
    assert s.headline.startswith("No experiments recorded yet")
    assert s.status == {}
    assert s.to_dict()["patterns"] == []


def test_only_discards_stay_at_the_baseline(tmp_path, write_results_tsv) -> None:
    rows = [{"baseline_latency_ms": "40", "optimized_latency_ms": "44", "status": "DISCARD"}] * 3
    s = _summary(write_results_tsv(tmp_path / "results.tsv", rows))
    assert s.latency.now == s.latency.baseline == 40
    assert "No change kept yet: all 3 experiments were discarded" in s.headline
    assert "40 ms p50" in s.headline
    assert s.best_keep == ""
    assert "irreducible" in s.flags


def test_single_row(tmp_path, write_results_tsv) -> None:
    row = {
        "baseline_latency_ms": "40",
        "optimized_latency_ms": "10",
        "baseline_throughput": "50",
        "optimized_throughput": "200",
    }
    s = _summary(write_results_tsv(tmp_path / "results.tsv", [row]))
    assert s.latency.words() == "40 ms \u2192 10 ms (4.00\u00d7 faster)"
    assert s.throughput.words() == "50 ops/s \u2192 200 ops/s (+300%)"
    assert s.to_dict()["latency"]["change_pct"] == -75.0


def test_non_numeric_cells_do_not_break_the_summary(tmp_path, write_results_tsv) -> None:
    rows = [
        {"baseline_latency_ms": "n/a", "optimized_latency_ms": "fast", "status": "KEEP"},
        {"baseline_latency_ms": "30", "optimized_latency_ms": "20", "status": "KEEP"},
    ]
    s = _summary(write_results_tsv(tmp_path / "results.tsv", rows))
    assert s.latency.baseline == 30
    assert s.latency.now == 20
    assert s.throughput is None


def test_metric_summary_handles_missing_numbers() -> None:
    m = MetricSummary("p50 latency", "ms", math.nan, 3.0, True)
    assert math.isnan(m.factor)
    assert m.words() == "? ms \u2192 3 ms"
    assert MetricSummary("t", "ops/s", 10, 10, False).words().endswith("(unchanged)")
    assert "slower" in MetricSummary("p50", "ms", 10, 20, True).words()
