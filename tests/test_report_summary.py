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


def _row(target: str, before: str, after: str, status: str = "KEEP", **more: str) -> dict:
    return {
        "target_test": target,
        "baseline_latency_ms": before,
        "optimized_latency_ms": after,
        "status": status,
        **more,
    }


def test_several_targets_each_against_its_own_baseline(tmp_path, write_results_tsv) -> None:
    rows = [
        _row("GET /process", "400", "200"),
        _row("GET /checkout", "40", "20", baseline_throughput="80", optimized_throughput="240"),
        _row("GET /process", "200", "100"),
        _row("GET /process", "100", "120", "DISCARD"),
        _row("GET /batch", "30", "33", "DISCARD"),
    ]
    s = _summary(write_results_tsv(tmp_path / "results.tsv", rows))
    assert s.target == "GET /process"  # the most experiments
    assert (s.latency.baseline, s.latency.now) == (400.0, 100.0)
    assert round(s.latency.factor, 2) == 4.0  # never 400 / 20
    assert s.throughput is None  # /process recorded no throughput
    assert [o.target for o in s.others] == ["GET /checkout", "GET /batch"]
    checkout, batch = s.others
    assert (checkout.latency.baseline, checkout.latency.now) == (40.0, 20.0)
    assert checkout.throughput.words() == "80 ops/s \u2192 240 ops/s (+200%)"
    assert batch.keeps == 0
    assert batch.words() == "GET /batch (1 experiment, 0 kept): no change kept, still at 30 ms p50"
    assert s.headline.startswith("After 5 experiments (3 kept, 2 discarded) on 3 targets")
    assert "GET /process (3 experiments, 2 kept): p50 latency 400 ms \u2192 100 ms" in s.headline
    assert "4.00\u00d7 faster" in s.headline
    assert "20.00\u00d7" not in s.headline
    assert "GET /checkout (1 experiment, 1 kept): p50 latency 40 ms \u2192 20 ms" in s.headline
    assert s.best_keep.endswith("(p50 -50%, throughput +200%) on GET /checkout")
    d = s.to_dict()
    assert d["target"] == "GET /process"
    assert d["others"][0]["latency"]["change_pct"] == -50.0
    assert d["others"][1]["words"].startswith("GET /batch")


def test_one_target_has_no_others(tmp_path, write_results_tsv) -> None:
    rows = [_row("GET /process", "400", "200"), _row("GET /process", "210", "100")]
    s = _summary(write_results_tsv(tmp_path / "results.tsv", rows))
    assert (s.target, s.others) == ("", ())
    assert s.headline.startswith("After 2 experiments (2 kept, 0 discarded): p50 latency 400 ms")
    assert "on GET" not in s.best_keep


def test_several_targets_only_discards_name_the_main_target(tmp_path, write_results_tsv) -> None:
    rows = [
        _row("GET /checkout", "40", "44", "DISCARD"),
        _row("GET /process", "300", "310", "DISCARD"),
        _row("GET /process", "300", "330", "DISCARD"),
    ]
    s = _summary(write_results_tsv(tmp_path / "results.tsv", rows))
    assert s.target == "GET /process"
    assert "baseline (300 ms p50 on GET /process)" in s.headline
    assert s.others[0].words().endswith("no change kept, still at 40 ms p50")
