"""The demo's decoy, measured where its catalogue entry says: discarded by the real compare."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codeflash_lab.bench import BenchConfig, Measurable, compare
from codeflash_lab.demo import exercise
from codeflash_lab.demo.catalog import HEALTH, SERVICE_DIR
from codeflash_lab.demo.project import apply_fix
from codeflash_lab.demo.servers import DemoServers
from codeflash_lab.verdicts import Rule


@pytest.mark.slow
def test_the_decoy_is_a_regression_on_the_request_it_is_measured_on(tmp_path: Path) -> None:
    decoy = exercise("offload-render")
    assert decoy.decoy
    assert decoy.endpoint == HEALTH
    before, after = tmp_path / "before", tmp_path / "after"
    for folder in (before, after):
        shutil.copytree(SERVICE_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    assert apply_fix(after, decoy) == ["shopfront/render.py"]
    config = BenchConfig(concurrency=8, duration_s=1.0, min_run_s=1.0, warmup_s=0.2)
    with DemoServers(tmp_path / "logs") as servers:
        upstream = servers.start_upstream(before, latency_ms=25)
        a = servers.start_service("before", before, upstream_url=upstream.url)
        b = servers.start_service("after", after, upstream_url=upstream.url)
        result = compare(
            Measurable.of(a.url + decoy.endpoint),
            Measurable.of(b.url + decoy.endpoint),
            config=config,
            preset="quick",
            save=False,
            progress=False,
            isolation="loop",
        )
    # The thread hand-off is all the cost and nothing hides it. At idle p50 is several times
    # A's; beside other load the spread widens, so the regression may be shown on p99 or
    # throughput first, while p50 still points the same way.
    assert (result.verdict, result.rule) == ("DISCARD", Rule.REGRESSION), result.ruling.line()
    criteria = result.decision.criteria
    assert any(c.worse for c in criteria.values()), result.ruling.line()
    assert criteria["p50"].interval is not None
    assert criteria["p50"].ratio > 1.0, criteria["p50"].interval.text()
