"""--engine locust: a real local master with 2 workers against a real loopback aiohttp server.

Locust runs only in its own subprocesses; this process checks it is installed with
``importlib.util.find_spec`` and never imports it. Counts are asserted, never rates.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeflash_lab.bench import BenchConfig, bench
from codeflash_lab.bench.locust_engine import LocustEngine, active
from codeflash_lab.bench.runner import Measurable
from codeflash_lab.bench.system import our_cpu_seconds
from codeflash_lab.errors import MethodologyError
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.methodology import load_methodology

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("locust") is None,
        reason="Locust is not installed (pip install 'codeflash-lab[locust]')",
    ),
]


class CountingServer:
    """aiohttp on 127.0.0.1 (port 0) in a thread; counts requests by path and Host header."""

    def __init__(self) -> None:
        self.port = 0
        self.paths: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        from aiohttp import web

        async def any_path(request: web.Request) -> web.Response:
            self.paths[request.path] += 1
            self.hosts[request.headers.get("Host", "")] += 1
            await asyncio.sleep(0.002)
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_get("/{tail:.*}", any_path)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def __enter__(self) -> CountingServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        assert self._runner is not None
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def server() -> Iterator[CountingServer]:
    with CountingServer() as srv:
        yield srv


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie has exited; only its parent's wait is missing.
    status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return status in ("Z", "X")


def _config(**changes: object) -> BenchConfig:
    base = BenchConfig(concurrency=6, min_run_s=1.0, warmup_s=0.3, engine="locust", workers=2)
    return base.replace(**changes)


def test_two_workers_counts_add_up_and_nothing_is_left(server: CountingServer) -> None:
    url = f"http://localhost:{server.port}/a"  # the name is never looked up by a worker
    engine = LocustEngine(workers=2)
    with engine:
        pids, ports = engine.pids, (engine.bind_port, engine.web_port)
        assert len(pids) == 3  # the master and two workers
        ours = our_cpu_seconds()
        assert ours is not None
        assert set(pids) <= set(ours)  # left out of the background-busy share
        first = engine.measure(Measurable.of(url), _config(), index=0)
        reports_a = engine.last_reports
        served_a = server.paths["/a"]
        second = engine.measure(Measurable.of(url.replace("/a", "/b")), _config(), index=1)
        reports_b = engine.last_reports
        assert engine.pids == pids  # one master and its workers served both runs
    for run, reports in ((first, reports_a), (second, reports_b)):
        per_worker = [sum(count for _, count in r["hist"]) for r in reports]
        assert len(per_worker) == 2
        assert all(n > 0 for n in per_worker)  # the users were split over both workers
        assert sum(per_worker) == run.ok_ops
        assert run.errors == 0
        assert run.ops == run.ok_ops
        assert 0 < run.latency_ms["p50"] <= run.latency_ms["p99"] <= run.latency_ms["max"]
    assert served_a >= first.ok_ops  # warm-up requests are served but not counted
    assert server.paths["/b"] >= second.ok_ops
    assert set(server.hosts) == {f"localhost:{server.port}"}  # the URL's Host header
    assert all(_gone(pid) for pid in pids)
    assert not any(_listening(port) for port in ports)
    assert "locust" not in sys.modules
    assert "gevent" not in sys.modules


def test_bench_records_engine_and_the_lock_refuses_another_engine(
    server: CountingServer, tmp_path: Path
) -> None:
    (tmp_path / ".codeflash").mkdir()
    url = f"http://127.0.0.1:{server.port}/ok"
    result = bench(url, config=_config(), runs=2, project=tmp_path, progress=False)
    assert result.environment["engine"] == "locust"
    assert result.environment["workers"] == 2
    assert "  engine: locust, 2 workers" in result.format_text().splitlines()
    assert len(result.runs) == 2
    assert all(r.ok_ops > 0 and r.errors == 0 for r in result.runs)
    assert sum(r.ops for r in result.runs) == result.ops
    locked = load_methodology(Workspace(tmp_path), url)
    assert locked is not None
    assert locked.engine == "locust"
    with pytest.raises(MethodologyError, match="engine: locked 'locust', requested 'builtin'"):
        bench(url, config=_config(engine="builtin"), runs=1, project=tmp_path, progress=False)
    assert "locust" not in sys.modules


def test_an_active_engine_serves_every_run_of_a_bench(server: CountingServer) -> None:
    url = f"http://127.0.0.1:{server.port}/ok"
    with LocustEngine(workers=2) as engine, active(engine):
        pids = engine.pids
        result = bench(url, config=_config(), runs=2, save=False, progress=False)
        assert engine.pids == pids
    assert [r.index for r in result.runs] == [0, 1]
    assert all(r.ok_ops > 0 for r in result.runs)


def _locust_children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"CFLAB_PARENT_PID={parent}".encode() in env and not _gone(int(entry)):
            found.append(int(entry))
    return found


def test_ctrl_c_stops_the_master_and_every_worker(server: CountingServer) -> None:
    url = f"http://127.0.0.1:{server.port}/ok"
    cmd = [sys.executable, "-m", "codeflash_lab", "bench", url, "--engine", "locust",
           "--workers", "2", "--concurrency", "4", "--duration", "120", "--no-save"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 120
    while "locust run:" not in seen and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen += line
    assert "locust run:" in seen, seen
    children = _locust_children(proc.pid)
    assert len(children) == 3
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert all(_gone(pid) for pid in children)


def test_cli_argument_checks() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "codeflash_lab", "bench", "http://127.0.0.1:9/", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    rate = run("--engine", "locust", "--rate", "100")
    assert rate.returncode == 2
    assert rate.stderr.count("\n") == 1
    assert "built-in open-loop driver" in rate.stderr
    remote = run("--engine", "locust", "--master-bind", "192.0.2.1:5557")
    assert remote.returncode == 2
    assert "--allow-remote" in remote.stderr
    assert "not authenticated" in remote.stderr
    workers = run("--workers", "2")
    assert workers.returncode == 2
    assert "only with --engine locust" in workers.stderr


def test_missing_locust_is_one_line_saying_how_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['locust'] = None  # find_spec now answers: not installed\n"
        "from codeflash_lab.cli import main\n"
        "sys.exit(main(['bench', 'http://127.0.0.1:9/', '--engine', 'locust']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "codeflash-lab: error: Locust is not installed here: pip install 'codeflash-lab[locust]'"
    ]


def test_an_unreachable_target_is_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "bench", f"http://127.0.0.1:{port}/",
         "--engine", "locust", "--no-save"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].endswith("(connection refused)")


NETNS_SCRIPT = r"""
import json, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from test_bench_locust import CountingServer
from codeflash_lab.bench import BenchConfig
from codeflash_lab.bench.locust_engine import LocustEngine
from codeflash_lab.bench.runner import Measurable
from codeflash_lab.bench.system import our_cpu_seconds

with CountingServer() as srv:
    with LocustEngine(workers=1, master_bind="10.200.0.1:0", allow_remote=True) as engine:
        joined = subprocess.Popen([sys.executable, "-m", "codeflash_lab", "locust-worker",
                                   "--master", f"10.200.0.1:{engine.bind_port}"])
        deadline = time.monotonic() + 120
        while engine.status()["workers"] < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        config = BenchConfig(concurrency=4, min_run_s=1.0, warmup_s=0.3, engine="locust")
        run = engine.measure(Measurable.of(f"http://127.0.0.1:{srv.port}/x"), config)
        per_worker = [sum(c for _, c in r["hist"]) for r in engine.last_reports]
    joined.wait(60)
    print(json.dumps({"ok": run.ok_ops, "per_worker": per_worker, "joined_rc": joined.returncode}))
"""


def test_a_worker_joins_a_non_loopback_master_inside_a_private_network_namespace() -> None:
    # unshare -n: a network namespace of this test's own, with only its loopback
    # interface; 10.200.0.1 is added to that interface, so no packet can leave it.
    setup = "ip link set lo up && ip addr add 10.200.0.1/32 dev lo"
    probe = subprocess.run(["unshare", "-n", "sh", "-c", setup], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {probe.stderr.decode().strip()}")
    tests = str(Path(__file__).resolve().parent)
    proc = subprocess.run(
        ["unshare", "-n", "sh", "-c", f'{setup} && exec "$0" -c "$1" "$2"',
         sys.executable, NETNS_SCRIPT, tests],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(doc["per_worker"]) == 2  # the local worker and the one that joined
    assert all(n > 0 for n in doc["per_worker"])
    assert sum(doc["per_worker"]) == doc["ok"]


def test_compare_keeps_one_master_for_both_arms(
    server: CountingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codeflash_lab.bench import compare

    started: list[list[int]] = []
    real_start = LocustEngine.start

    def counted(self: LocustEngine) -> LocustEngine:
        engine = real_start(self)
        started.append(engine.pids)
        return engine

    monkeypatch.setattr(LocustEngine, "start", counted)
    base = f"http://127.0.0.1:{server.port}"
    result = compare(
        base + "/a", base + "/b", config=_config(min_run_s=0.5, warmup_s=0.2),
        preset="quick", budget_s=60, save=False, progress=False,
    )  # fmt: skip
    assert len(started) == 1  # one master and its workers for every run of A and B
    assert result.environment["engine"] == "locust"
    assert result.environment["workers"] == 2
    assert "  engine: locust, 2 workers" in result.format_text().splitlines()
    assert set(result.order) == {"A", "B"}
    assert len(result.a_runs) == len(result.b_runs) >= 3
    runs = (*result.a_runs, *result.b_runs)
    assert all(r.ok_ops > 0 and r.errors == 0 for r in runs), [
        (r.arm, r.ok_ops, r.errors, r.first_error, r.elapsed_s) for r in runs
    ]
    assert server.paths["/a"] >= sum(r.ok_ops for r in result.a_runs)
    assert server.paths["/b"] >= sum(r.ok_ops for r in result.b_runs)
    assert len(started[0]) == 3
    assert all(_gone(pid) for pid in started[0])
