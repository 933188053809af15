"""bench_http.py's client-bound case and its Locust cases (see bench_http.py for the run line).

Client-bound: Debian's nginx serves a 64-byte static file, pinned to core 0; every client
is pinned to core 1 and keeps 50 requests in flight. Per client: req/s and the client's
CPU microseconds per request (``getrusage`` of the client process over the measured
phase; Locust: the workers' own CPU seconds over their window), with nginx's busy share
of its core (under 80 %: the server is not the limit) and ``wrk -t1 -c50`` beside them.
The built-in client is measured as it is now and, from git, as it was at
``--baseline-rev`` (the same script loads either file), alternated in every repetition.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from codeflash_lab.bench import BenchConfig
from codeflash_lab.bench.locust_engine import LocustEngine
from codeflash_lab.bench.runner import Measurable

ROOT = Path(__file__).resolve().parent.parent

CLIENT = r"""
import asyncio, contextlib, importlib.util, json, resource, sys, time
from codeflash_lab.bench.drivers import run_closed
from codeflash_lab.targets import parse_target, resolve_loopback

path, url, seconds, conc = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
spec = importlib.util.spec_from_file_location("http_under_test", path)
http = importlib.util.module_from_spec(spec)
spec.loader.exec_module(http)
box = {}

@contextlib.asynccontextmanager
async def around():
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    yield
    r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    box["cpu"] = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    box["wall"] = t1 - t0

async def main():
    target = parse_target(url)
    checked = resolve_loopback(target)
    request = http.build_request(target)
    conns = []
    def make(_w):
        conn = http.HttpConnection(target, request, checked=checked)
        conns.append(conn)
        return conn.request
    raw = await run_closed(make, concurrency=conc, ops=None, seconds=seconds, warmup_s=1.0,
                           around=around)
    for conn in conns:
        await conn.aclose()
    n = len(raw.latencies_ns)
    print(json.dumps({"n": n, "errors": raw.errors, "rps": n / box["wall"],
                      "cpu_us": box["cpu"] / max(n, 1) * 1e6, "cpu_share": box["cpu"] / box["wall"]}))

asyncio.run(main())
"""

NGINX_CONF = """
worker_processes 1;
daemon off;
error_log {dir}/error.log;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path {dir}/tmp;
  proxy_temp_path {dir}/tmp;
  fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp;
  scgi_temp_path {dir}/tmp;
  server {{ listen 127.0.0.1:{port}; root {dir}/www; }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(x) for x in text.split()]
    return []


@contextlib.contextmanager
def nginx_on_core0() -> Iterator[tuple[str, list[int]]]:
    """Debian's nginx serving /small.txt (64 bytes) on 127.0.0.1, pinned to core 0."""
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    folder.chmod(0o755)  # nginx's worker runs as another user and must read the file
    (folder / "www").mkdir(mode=0o755)
    (folder / "tmp").mkdir()
    (folder / "www" / "small.txt").write_bytes(b"x" * 64)
    port = _free_port()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, port=port))
    proc = subprocess.Popen(  # its own session, as bench_http.py's server
        ["taskset", "-c", "0", "nginx", "-c", str(conf), "-p", str(folder)], start_new_session=True
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/small.txt", _children(proc.pid) or [proc.pid]
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _server_busy(pids: list[int], t0: float, cpu0: float) -> float:
    return (sum(_proc_cpu_s(p) for p in pids) - cpu0) / (time.monotonic() - t0)


def _builtin(http_file: Path, url: str, seconds: float) -> dict[str, float]:
    cmd = ["taskset", "-c", "1", sys.executable, "-c", CLIENT, str(http_file), url,
           str(seconds), "50"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _wrk(url: str, seconds: float) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", "-c50", f"-d{int(seconds)}s", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "cpu_us": cpu / max(total, 1) * 1e6,
            "errors": int(non2xx.group(1)) if non2xx else 0}  # fmt: skip


def _locust(engine: LocustEngine, url: str, seconds: float) -> dict[str, float]:
    config = BenchConfig(concurrency=50, min_run_s=seconds, warmup_s=1.0, engine="locust",
                         workers=engine.workers)  # fmt: skip
    run = engine.measure(Measurable.of(url), config)
    per_worker = [sum(c for _, c in r["hist"]) for r in engine.last_reports]
    assert sum(per_worker) == run.ok_ops, (per_worker, run.ok_ops)  # counts add up
    cpu = sum(float(r["cpu_s"]) for r in engine.last_reports)
    return {"rps": run.throughput_ops_s, "cpu_us": cpu / max(run.ok_ops, 1) * 1e6,
            "per_worker": per_worker, "errors": run.errors}  # fmt: skip


def _baseline_file(rev: str) -> Path | None:
    try:
        text = subprocess.run(
            ["git", "show", f"{rev}:codeflash_lab/bench/http.py"],
            capture_output=True, text=True, check=True, cwd=ROOT,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="bench-http-base-")) / "http_baseline.py"
    path.write_text(text)
    return path


def client_bound(reps: int, seconds: float, baseline_rev: str) -> None:
    """The client-bound case: built-in (now and before), wrk, Locust 1 and 2 workers."""
    if shutil.which("nginx") is None or shutil.which("taskset") is None:
        print("client-bound case skipped: needs nginx and taskset (apt-get install nginx)")
        return
    if (os.cpu_count() or 1) < 2:
        print("client-bound case skipped: needs two cores")
        return
    current = ROOT / "codeflash_lab" / "bench" / "http.py"
    baseline = _baseline_file(baseline_rev)
    clients = ["builtin", *(["builtin-before"] if baseline else []), "wrk", "locust-1", "locust-2"]
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in clients}
    with nginx_on_core0() as (url, server_pids):
        print(f"client-bound: nginx (pid {server_pids}) on core 0 serving {url}; clients on "
              f"core 1, 50 in flight, {seconds:g} s per run; load average "
              f"{os.getloadavg()[0]:.1f} (machine shared with other work)")  # fmt: skip
        affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {1})  # Locust's master and workers inherit core 1
        engines = {}
        try:
            for k in (1, 2):
                engines[k] = LocustEngine(workers=k).start()
            for rep in range(reps):
                order = clients if rep % 2 == 0 else list(reversed(clients))
                for who in order:
                    t0 = time.monotonic()
                    cpu0 = sum(_proc_cpu_s(p) for p in server_pids)
                    if who == "builtin":
                        got = _builtin(current, url, seconds)
                    elif who == "builtin-before":
                        assert baseline is not None
                        got = _builtin(baseline, url, seconds)
                    elif who == "wrk":
                        got = _wrk(url, seconds)
                    else:
                        got = _locust(engines[int(who[-1])], url, seconds)
                    got["server_busy"] = _server_busy(server_pids, t0, cpu0)
                    figures[who].append(got)
                    extra = f", errors {got['errors']:g}"
                    extra += f", per worker {got['per_worker']}" if "per_worker" in got else ""
                    print(f"rep {rep} {who:15s} {got['rps']:8,.0f} req/s  client CPU "
                          f"{got['cpu_us']:5.1f} µs/request  nginx busy "
                          f"{got['server_busy']:.0%} of its core{extra}")  # fmt: skip
        finally:
            for engine in engines.values():
                engine.close()
            os.sched_setaffinity(0, affinity)
    print("client-bound medians:")
    for who, runs in figures.items():
        rps = statistics.median(r["rps"] for r in runs)
        cpu = statistics.median(r["cpu_us"] for r in runs)
        busy = max(r["server_busy"] for r in runs)
        print(f"  {who:15s} {rps:8,.0f} req/s  {cpu:5.1f} µs CPU/request  (nginx busy at most "
              f"{busy:.0%}{'' if busy < 0.8 else ': the server may be the limit'})")  # fmt: skip
    if baseline:
        now = statistics.median(r["cpu_us"] for r in figures["builtin"])
        before = statistics.median(r["cpu_us"] for r in figures["builtin-before"])
        print(f"built-in client CPU per request: {before:.1f} µs at {baseline_rev} -> {now:.1f} "
              f"µs now ({now / before - 1:+.0%}; goal -30 % or better)")  # fmt: skip
    print("Locust figures are stated, not claimed as scaling: both cores are shared.")


def locust_p50(
    base_url: str, reps: int, seconds: float, concurrency: int = 50, server_pid: int | None = None
) -> None:
    """10 ms handler at concurrency 50: Locust's p50 beside the built-in client's.

    As in the client-bound case, the server is pinned to core 0 and every client (this
    process, Locust's master and workers) to core 1, so that neither client takes CPU
    from the server and the p50 compares the two clients' measurements, not how much
    each one slows the server down.
    """
    from codeflash_lab.bench import bench

    url = base_url + "/"
    p50: dict[str, list[float]] = {"builtin": [], "locust": []}
    affinity = os.sched_getaffinity(0)
    if server_pid is not None and len(affinity) >= 2:
        os.sched_setaffinity(server_pid, {0})
        os.sched_setaffinity(0, {1})  # Locust's master and workers inherit core 1
        print("locust-p50: server pinned to core 0, clients to core 1")
    try:
        _locust_p50_reps(url, reps, seconds, concurrency, p50, bench)
    finally:
        os.sched_setaffinity(0, affinity)
        if server_pid is not None:
            os.sched_setaffinity(server_pid, affinity)
    b, lo = statistics.median(p50["builtin"]), statistics.median(p50["locust"])
    print(f"p50 medians over {reps} reps: built-in {b:.2f} ms, Locust (2 workers) {lo:.2f} ms "
          f"-> Locust {lo / b - 1:+.1%} (goal within ±10 %)")  # fmt: skip


def _locust_p50_reps(url, reps, seconds, concurrency, p50, bench) -> None:  # type: ignore[no-untyped-def]
    with LocustEngine(workers=2) as engine:
        for rep in range(reps):
            order = ["builtin", "locust"] if rep % 2 == 0 else ["locust", "builtin"]
            for who in order:
                if who == "builtin":
                    config = BenchConfig(concurrency=concurrency, min_run_s=seconds, warmup_s=1.0)
                    run = bench(url, config=config, runs=1, save=False, progress=False).runs[0]
                else:
                    config = BenchConfig(concurrency=concurrency, min_run_s=seconds,
                                         warmup_s=1.0, engine="locust", workers=2)  # fmt: skip
                    run = engine.measure(Measurable.of(url), config)
                p50[who].append(run.latency_ms["p50"])
                print(f"rep {rep} 10 ms handler, c={concurrency}, {who:7s}: p50 {run.latency_ms['p50']:.2f} "
                      f"ms, p99 {run.latency_ms['p99']:.2f} ms, {run.throughput_ops_s:,.0f} "
                      f"req/s, errors {run.errors}")  # fmt: skip
