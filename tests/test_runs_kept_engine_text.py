"""The printed text of bench, compare and sweep names Locust and its workers, read from the
run's environment; built-in runs keep their text as it was.

The rendering tests take real built-in runs and give their results the environment a
Locust series records (``engine``, ``workers``); the last test runs a real Locust sweep.
"""

from __future__ import annotations

import asyncio
import importlib.util
from dataclasses import replace

import pytest
from _stopping_server import StoppingServer

from codeflash_lab.bench import BenchConfig, bench, compare, sweep

QUICK = BenchConfig(concurrency=1, min_run_s=0.15, warmup_s=0.02)
LOCUST_ENV = {"engine": "locust", "workers": 2}


async def _op() -> None:
    await asyncio.sleep(0.001)


def test_bench_text_names_locust_and_its_workers() -> None:
    result = bench(_op, config=QUICK, runs=2, save=False, progress=False)
    assert result.environment["engine"] == "builtin"
    builtin = result.format_text()
    assert "engine" not in builtin
    locust = replace(result, environment={**result.environment, **LOCUST_ENV}).format_text()
    assert locust.splitlines()[1] == "  engine: locust, 2 workers"
    assert [line for line in locust.splitlines() if "engine" not in line] == builtin.splitlines()
    one = replace(result, environment={**result.environment, "engine": "locust", "workers": 1})
    assert "engine: locust, 1 worker\n" in one.format_text()


def test_compare_text_names_locust_and_its_workers() -> None:
    result = compare(_op, _op, config=QUICK, preset="quick", budget_s=30, save=False,
                     progress=False)  # fmt: skip
    runs = (*result.a_runs, *result.b_runs, *result.left_out)
    assert sorted(r.index for r in runs) == list(range(len(result.order)))
    builtin = result.format_text()
    assert "engine" not in builtin
    locust = replace(result, environment={**result.environment, **LOCUST_ENV}).format_text()
    assert "  engine: locust, 2 workers" in locust.splitlines()
    assert [line for line in locust.splitlines() if "engine" not in line] == builtin.splitlines()
    assert "engine: locust, 2 workers" in replace(result, environment=LOCUST_ENV)._repr_html_()


def test_sweep_text_names_locust_and_its_workers() -> None:
    result = sweep(_op, levels=[1, 2], config=QUICK, probe=False, save=False, progress=False)
    builtin = result.format_text()
    assert "engine" not in builtin
    locust = replace(result, environment={**result.environment, **LOCUST_ENV}).format_text()
    assert locust.splitlines()[1] == "  engine: locust, 2 workers"
    assert [line for line in locust.splitlines() if "engine" not in line] == builtin.splitlines()
    assert "engine: locust, 2 workers" in replace(result, environment=LOCUST_ENV)._repr_html_()
    assert "engine" not in result._repr_html_()


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("locust") is None,
    reason="Locust is not installed (pip install 'codeflash-lab[locust]')",
)
def test_a_real_locust_sweep_names_the_engine() -> None:
    config = BenchConfig(concurrency=1, min_run_s=0.5, warmup_s=0.2, engine="locust", workers=2)
    with StoppingServer(accept=10**6) as srv:
        result = sweep(srv.url + "/ok", levels=[2], config=config, probe=False, save=False,
                       progress=False)  # fmt: skip
    assert result.environment["engine"] == "locust"
    assert result.levels[0].runs[0].ok_ops > 0
    assert "  engine: locust, 2 workers" in result.format_text().splitlines()
