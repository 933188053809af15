"""The experiment frame: every input form, bad cells, and p99 attached from compare runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from codeflash_lab.viz.data import (
    METRICS,
    available_metrics,
    experiments_frame,
    with_compare_percentiles,
)
from codeflash_lab.workspace.results import read_results


def test_path_project_and_log_give_the_same_frame(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(tmp_path / ".codeflash" / "results.tsv", count=4)
    by_path = experiments_frame(path)
    by_project = experiments_frame(tmp_path)
    by_log = experiments_frame(read_results(path))
    by_rows = experiments_frame(read_results(path).rows)
    for other in (by_project, by_log, by_rows):
        pd.testing.assert_frame_equal(by_path[list(by_log.columns)], other[list(by_log.columns)])
    assert list(by_path.index) == [1, 2, 3, 4]
    assert by_path.loc[3, "status"] == "DISCARD"


def test_missing_file_is_an_empty_frame(tmp_path) -> None:
    frame = experiments_frame(tmp_path / "nothing.tsv")
    assert frame.empty
    assert available_metrics(frame) == []


def test_non_numeric_cells_become_missing(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(
        tmp_path / "results.tsv",
        [
            {"baseline_latency_ms": "fast", "optimized_latency_ms": "12.5", "status": "keep"},
            {
                "baseline_latency_ms": "10",
                "optimized_latency_ms": "9",
                "baseline_throughput": "lots",
            },
        ],
    )
    frame = experiments_frame(path)
    assert math.isnan(frame.loc[1, "baseline_latency_ms"])
    assert frame.loc[1, "optimized_latency_ms"] == 12.5
    assert frame.loc[1, "status"] == "KEEP"
    assert math.isnan(frame.loc[2, "baseline_throughput"])


def test_a_hand_made_dataframe_is_cleaned() -> None:
    raw = pd.DataFrame(
        {
            "status": ["keep", " Discard"],
            "optimized_latency_ms": ["12 ", "n/a"],
            "latency_change": ["-10%", "+5%"],
        }
    )
    frame = experiments_frame(raw)
    assert list(frame["status"]) == ["KEEP", "DISCARD"]
    assert frame.loc[1, "optimized_latency_ms"] == 12.0
    assert math.isnan(frame.loc[2, "optimized_latency_ms"])
    assert list(frame["latency_change"]) == [-10.0, 5.0]
    assert available_metrics(frame) == ["p50"]


def test_unusable_source_names_the_parameter() -> None:
    with pytest.raises(ValueError, match="source"):
        experiments_frame(42)


def test_compare_runs_supply_p99_where_the_p50s_match(tmp_path, write_results_tsv) -> None:
    path = write_results_tsv(
        tmp_path / "results.tsv",
        [
            {
                "baseline_latency_ms": "10.25",
                "optimized_latency_ms": "4.125",
                "target_test": "svc:fetch",
            },
            {"baseline_latency_ms": "4.125", "optimized_latency_ms": "4.5", "status": "DISCARD"},
        ],
    )
    compare = {
        "target": "svc:fetch",
        "a": {"latency_ms": {"p50": 10.25, "p99": 31.0}},
        "b": {"latency_ms": {"p50": 4.125, "p99": 9.5}},
    }
    other_target = {**compare, "target": "svc:other"}
    frame = with_compare_percentiles(experiments_frame(path), [other_target, compare, {"a": None}])
    assert frame.loc[1, "baseline_p99_ms"] == 31.0
    assert frame.loc[1, "optimized_p99_ms"] == 9.5
    assert math.isnan(frame.loc[2, "optimized_p99_ms"])
    assert available_metrics(frame) == ["p50", "p99"]


def test_metric_gain_reads_the_same_way_for_both_directions() -> None:
    assert METRICS["p50"].gain_pct(100, 25) == 75
    assert METRICS["throughput"].gain_pct(100, 250) == 150
    assert math.isnan(METRICS["p50"].gain_pct(0, 10))
