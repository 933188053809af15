"""Frozen records: settings validation, run round-trip, result views."""

from __future__ import annotations

import json

import pytest

from codeflash_lab.bench.checks import run_warnings
from codeflash_lab.bench.model import BenchConfig, BenchResult, Run


def make_run(index: int, throughput: float, p50: float, **extra: object) -> Run:
    facts = {
        "index": index,
        "mode": "closed",
        "concurrency": 2,
        "ok_ops": 5000,
        "errors": 0,
        "error_kinds": {},
        "first_error": None,
        "elapsed_s": 1.0,
        "throughput_ops_s": throughput,
        "latency_ms": {
            "p50": p50,
            "p90": p50 * 1.1,
            "p99": p50 * 2,
            "p999": p50 * 3,
            "max": p50 * 4,
            "min": p50 / 2,
            "mean": p50,
            "std": 0.1,
        },
        **extra,
    }
    return Run(**facts, warnings=tuple(run_warnings(facts, index=index)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("concurrency", 0),
        ("ops", 0),
        ("rate", -1.0),
        ("loop", "trio"),
        ("batch", 0),
        ("arrivals", "bursty"),
        ("timeout_s", 0.0),
    ],
)
def test_bad_settings_name_the_parameter(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        BenchConfig(**{field: value})  # type: ignore[arg-type]


def test_config_round_trip_and_mode() -> None:
    config = BenchConfig(rate=100.0, headers=(("X-A", "1"),), duration_s=2.0)
    assert config.mode == "open"
    assert BenchConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert BenchConfig().mode == "closed"
    assert BenchConfig(duration_s=0.2, min_run_s=1.0).run_seconds == 1.0


def test_run_round_trip_keeps_warnings() -> None:
    run = make_run(0, 100.0, 5.0, client_cpu=0.97)
    again = Run.from_dict(json.loads(json.dumps(run.to_dict())))
    assert again == run
    assert [w.code for w in again.warnings] == ["client-cpu-saturated"]


def test_result_dict_has_the_contract_keys_and_aggregates() -> None:
    runs = (make_run(0, 100.0, 5.0), make_run(1, 110.0, 4.0), make_run(2, 90.0, 6.0))
    result = BenchResult(target="m:f", config=BenchConfig(concurrency=2), runs=runs)
    doc = result.to_dict()
    for key in ("target", "mode", "concurrency", "ops", "errors", "throughput_ops_s",
                "latency_ms", "runs", "methodology_id", "environment", "git"):  # fmt: skip
        assert key in doc
    assert doc["throughput_ops_s"] == 100.0
    assert doc["latency_ms"]["p50"] == 5.0
    assert doc["latency_ms"]["max"] == 24.0
    assert doc["ops"] == 15000
    frame = result.to_frame()
    assert list(frame["run"]) == [0, 1, 2]
    assert "p99_ms" in frame.columns
    assert "m:f" in result._repr_html_()
    assert "throughput" in str(result)
