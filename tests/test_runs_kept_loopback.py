"""The loopback guard in compare, sweep and the probe: a ``*.localhost`` name is never
looked up, any other name is resolved once, and every connection goes to the checked
address with the URL's Host header.

``socket.connect`` is guarded (a non-loopback address raises before a packet is sent) and
name lookups go through the fake resolver of ``test_targets_loopback``, which answers
with documentation addresses only. Measuring children (the probe of a URL runs in one)
get the same guard and a resolver that logs every lookup, through ``sitecustomize``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from _stopping_server import StoppingServer
from test_targets_loopback import REMOTE_V4, SITECUSTOMIZE, FakeResolver, refuse_remote_connects

from codeflash_lab.bench import BenchConfig, compare, probe_concurrency, sweep

QUICK = BenchConfig(concurrency=2, min_run_s=0.15, warmup_s=0.02)


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Refuse every non-loopback connect before it reaches the kernel; list the attempts."""
    return refuse_remote_connects(monkeypatch)


@pytest.fixture
def child_lookups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every child started from here gets the connect guard and a logging fake resolver."""
    site = tmp_path / "site"
    site.mkdir()
    log = tmp_path / "child-lookups.txt"
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(log=str(log)))
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    return log


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    fake = FakeResolver({})
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def server() -> Iterator[StoppingServer]:
    with StoppingServer(accept=10**6) as srv:
        yield srv


def test_compare_never_looks_up_a_dot_localhost_name(
    server: StoppingServer, resolver: FakeResolver, attempts: list[object]
) -> None:
    resolver.answers["shop.localhost"] = [[REMOTE_V4]]  # a hosts entry to another machine
    base = f"http://shop.localhost:{server.port}"
    result = compare(base + "/a", base + "/b", config=QUICK, preset="quick", budget_s=30,
                     isolation="loop", save=False, progress=False)  # fmt: skip
    assert result.failure is None
    assert all(r.ok_ops > 0 for r in (*result.a_runs, *result.b_runs))
    assert resolver.calls == []
    assert attempts == []
    assert set(server.hosts) == {f"shop.localhost:{server.port}"}


def test_sweep_and_its_probe_resolve_once_and_connect_to_the_checked_address(
    server: StoppingServer, resolver: FakeResolver, attempts: list[object], child_lookups: Path
) -> None:
    # DNS rebinding: the first answer is loopback, every later one another machine.
    resolver.answers["localhost.localdomain"] = [["127.0.0.1"], [REMOTE_V4]]
    url = f"http://localhost.localdomain:{server.port}/"
    result = sweep(url, levels=[1, 2], config=QUICK, isolation="loop", save=False,
                   progress=False)  # fmt: skip
    assert result.failure is None
    assert result.probe is not None
    assert [lv.concurrency for lv in result.levels] == [1, 2]
    assert resolver.calls == ["localhost.localdomain"]
    assert attempts == []
    assert not child_lookups.exists()  # the probe's child used the checked address
    assert set(server.hosts) == {f"localhost.localdomain:{server.port}"}


def test_the_probe_alone_never_looks_up_a_dot_localhost_name(
    server: StoppingServer, resolver: FakeResolver, attempts: list[object], child_lookups: Path
) -> None:
    resolver.answers["api.localhost"] = [[REMOTE_V4]]
    probe = probe_concurrency(f"http://api.localhost:{server.port}/", n=4, repeats=2)
    assert probe.sequential_s > 0
    assert resolver.calls == []
    assert attempts == []
    assert not child_lookups.exists()
    assert set(server.hosts) == {f"api.localhost:{server.port}"}
