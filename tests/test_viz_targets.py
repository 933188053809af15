"""Per-target series: the targets a log holds, the main one, and each keep's own gain."""

from __future__ import annotations

import math

from codeflash_lab.viz.data import METRICS, experiments_frame
from codeflash_lab.viz.targets import keep_gains, main_target, target_frames, target_names


def _frame(tmp_path, write_results_tsv, rows):
    return experiments_frame(write_results_tsv(tmp_path / "results.tsv", rows))


def test_the_main_target_has_the_most_experiments(tmp_path, write_results_tsv) -> None:
    rows = [{"target_test": t} for t in ("GET /a", "GET /b", "GET /b", "GET /c")]
    frame = _frame(tmp_path, write_results_tsv, rows)
    assert target_names(frame) == ["GET /a", "GET /b", "GET /c"]
    assert main_target(frame) == "GET /b"
    parts = target_frames(frame)
    assert [name for name, _ in parts] == ["GET /b", "GET /a", "GET /c"]
    assert list(parts[0][1].index) == [2, 3]  # experiment numbers are kept


def test_a_tie_goes_to_the_earliest_target(tmp_path, write_results_tsv) -> None:
    rows = [{"target_test": t} for t in ("GET /a", "GET /b", "GET /b", "GET /a")]
    assert main_target(_frame(tmp_path, write_results_tsv, rows)) == "GET /a"


def test_an_empty_log_has_no_targets(tmp_path, write_results_tsv) -> None:
    frame = _frame(tmp_path, write_results_tsv, [])
    assert (target_names(frame), main_target(frame), target_frames(frame)) == ([], "", [])


def test_only_keeps_with_both_numbers_move(tmp_path, write_results_tsv) -> None:
    rows = [
        {"baseline_latency_ms": "40", "optimized_latency_ms": "20"},
        {"baseline_latency_ms": "40", "optimized_latency_ms": "10", "status": "DISCARD"},
        {"baseline_latency_ms": "x", "optimized_latency_ms": "10"},
        {"baseline_latency_ms": "0", "optimized_latency_ms": "10"},
        {"baseline_throughput": "100", "optimized_throughput": "150"},
    ]
    frame = _frame(tmp_path, write_results_tsv, rows)
    assert keep_gains(frame, METRICS["p50"]) == [2.0, 1.0, 1.0, 1.0, 1.0]
    assert keep_gains(frame, METRICS["throughput"])[-1] == 1.5
    assert math.prod(keep_gains(frame, METRICS["p50"])) == 2.0
