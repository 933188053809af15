"""A bench result in a notebook names Locust and its workers like its text does; the HTML
of a built-in run is unchanged.

The rendering test takes a real built-in run and gives its result the environment a
Locust run records (``engine``, ``workers``); the last test runs a real Locust bench.
"""

from __future__ import annotations

import importlib.util
from dataclasses import replace

import pytest
from _stopping_server import StoppingServer
from test_runs_kept_engine_text import QUICK, _op

from codeflash_lab.bench import bench


def test_the_html_names_locust_and_its_workers_and_leaves_builtin_runs_as_they_were() -> None:
    result = bench(_op, config=QUICK, runs=2, save=False, progress=False)
    assert result.environment["engine"] == "builtin"
    builtin = result._repr_html_()
    assert "engine" not in builtin
    two = replace(result, environment={**result.environment, "engine": "locust", "workers": 2})
    locust = two._repr_html_()
    assert locust.count("engine: locust, 2 workers") == 1
    assert locust.replace("<br>engine: locust, 2 workers", "", 1) == builtin
    one = replace(result, environment={**result.environment, "engine": "locust", "workers": 1})
    assert "<br>engine: locust, 1 worker<table>" in one._repr_html_()
    # the same line the text form prints
    assert "  engine: locust, 2 workers" in two.format_text().splitlines()


LOCUST_MISSING = importlib.util.find_spec("locust") is None


@pytest.mark.slow
@pytest.mark.skipif(LOCUST_MISSING, reason="pip install 'codeflash-lab[locust]'")
def test_a_real_locust_bench_names_the_engine_in_its_html() -> None:
    with StoppingServer(accept=10**6) as srv:
        config = QUICK.replace(concurrency=2, min_run_s=0.5, warmup_s=0.2, engine="locust")
        result = bench(srv.url + "/ok", config=config.replace(workers=2), runs=1, save=False,
                       progress=False)  # fmt: skip
    assert (result.environment["engine"], result.environment["workers"]) == ("locust", 2)
    assert result.runs[0].ok_ops > 0
    assert "<br>engine: locust, 2 workers<table>" in result._repr_html_()
