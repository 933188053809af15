"""Workers' histograms into runs (pure), the engine advice, and the engine in the lock."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codeflash_lab.bench import BenchConfig
from codeflash_lab.bench.locust_hist import HistogramView, merge_histograms, summarize_histogram
from codeflash_lab.bench.locust_runs import advise_engine, run_from_reports
from codeflash_lab.bench.model import Run
from codeflash_lab.bench.session import methodology_for
from codeflash_lab.bench.stats import summarize_latencies
from codeflash_lab.workspace.methodology import Methodology


def _report(values_us: list[int], *, errors: dict[str, int] | None = None, cpu_s: float = 0.1):
    counts: dict[int, int] = {}
    for v in values_us:
        counts[v] = counts.get(v, 0) + 1
    return {
        "hist": sorted(counts.items()),
        "errors": errors or {},
        "first_error": next(iter(errors), None) if errors else None,
        "elapsed_s": 1.0,
        "cpu_s": cpu_s,
    }


@given(st.lists(st.integers(min_value=1, max_value=200_000), min_size=1, max_size=400))
def test_histogram_summary_matches_the_list_summary(values: list[int]) -> None:
    counts = merge_histograms([_report(values)["hist"]])
    got = summarize_histogram(counts)
    want = summarize_latencies([v * 1000 for v in values])
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_view_indexes_the_sorted_values() -> None:
    view = HistogramView({5: 2, 1: 1, 9: 3})
    assert list(view) == [1, 5, 5, 9, 9, 9]
    assert view[-1] == 9
    with pytest.raises(IndexError):
        view[6]


def test_merge_refuses_bad_buckets() -> None:
    with pytest.raises(ValueError, match="bad bucket"):
        merge_histograms([[(10, 0)]])


def test_counts_and_errors_add_up_across_workers() -> None:
    rng = random.Random(7)
    a = [rng.randint(900, 1500) for _ in range(300)]
    b = [rng.randint(900, 1500) for _ in range(200)]
    reports = [
        _report(a, errors={"ConnectionResetError": 2}, cpu_s=0.3),
        _report(b, errors={"ConnectionResetError": 1, "HTTPError": 4}, cpu_s=0.5),
    ]
    run = run_from_reports(reports, BenchConfig(concurrency=8, engine="locust", workers=2))
    assert run.ok_ops == 500
    assert run.errors == 7
    assert run.error_kinds == {"ConnectionResetError": 3, "HTTPError": 4}
    assert run.client_cpu == pytest.approx(0.5)  # the busiest worker
    assert run.latency_ms["p50"] == pytest.approx(
        summarize_latencies([v * 1000 for v in a + b])["p50"]
    )


def test_a_saturated_worker_asks_for_more_workers() -> None:
    run = run_from_reports([_report([1000] * 3000, cpu_s=0.97)], BenchConfig(engine="locust"))
    (warning,) = [w for w in run.warnings if w.code == "client-cpu-saturated"]
    assert "add workers (--workers N" in warning.message


def _busy_run() -> Run:
    return Run(index=0, mode="closed", concurrency=50, ok_ops=5000, errors=0, error_kinds={},
               first_error=None, elapsed_s=1.0, throughput_ops_s=5000.0,
               latency_ms={"p50": 1.0}, client_cpu=0.97,
               warnings=())  # fmt: skip


def test_builtin_url_runs_over_90_percent_suggest_locust() -> None:
    from codeflash_lab.bench.checks import run_warnings

    run = _busy_run()
    run = run.with_changes(warnings=tuple(run_warnings(run.to_dict(), index=0)))
    advised = advise_engine(run, is_url=True)
    (warning,) = [w for w in advised.warnings if w.code == "client-cpu-saturated"]
    assert "--engine locust --workers N" in warning.message
    # For a Python callable the "client" is the code under test: no such advice.
    assert advise_engine(run, is_url=False) == run


def test_builtin_engine_keeps_the_methodology_ids_of_existing_locks() -> None:
    method = methodology_for("http://127.0.0.1:8080/", BenchConfig(concurrency=16))
    assert method.engine == "builtin"
    before = {k: v for k, v in asdict(method).items() if k != "engine"}  # the old field set
    old_id = hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()[:12]
    assert method.id == old_id
    assert Methodology.from_dict(before) == method  # a lock written before the field
    locust = methodology_for("http://127.0.0.1:8080/", BenchConfig(concurrency=16, engine="locust"))
    assert locust.id != method.id
    assert locust.differences(method) == ["engine: locked 'locust', requested 'builtin'"]


def test_locust_config_refuses_open_loop_and_batches() -> None:
    with pytest.raises(ValueError, match="built-in open-loop driver"):
        BenchConfig(engine="locust", rate=100.0)
    with pytest.raises(ValueError, match="--batch"):
        BenchConfig(engine="locust", batch=10)
    with pytest.raises(ValueError, match="workers"):
        BenchConfig(engine="locust", workers=0)
    assert BenchConfig.from_dict(BenchConfig(engine="locust", workers=3).to_dict()).workers == 3
