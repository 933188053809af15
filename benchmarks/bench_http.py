"""HTTP: the harness's lean client vs ``wrk -c50 -t1`` on one loopback aiohttp server.

A server process (aiohttp, handler ``await asyncio.sleep(0.01)``) is started once on
127.0.0.1 with an OS-chosen port. It times each handler (the true service time) and
runs a 1 ms lag probe on its loop (the queueing a ready request waits for). Then,
alternating the order each rep, it is loaded at concurrency 50 by:

- ``codeflash-lab`` (closed loop, fresh process, keep-alive protocol client), once on
  the asyncio loop and once on uvloop (``--loops``);
- ``wrk -c50 -t1 --latency`` for the same duration.

Printed: req/s of both and their ratio (goal: harness >= wrk), and the harness p50
against the server's service p50 plus its measured queueing (goal: within 10%).

Queueing is measured in the server: each connection's ``data_received`` is stamped,
and the wait until the handler starts is recorded per request next to the handler's
own time (the service time). Closed-loop clients convoy (the 50 requests arrive
together and the server works through them one at a time), so the wait is most of
the gap between the 10 ms handler and what any client sees. The client's own
queueing is its loop-lag p50 from the run. The goal compares the harness p50 with
p50(server wait + service) + client loop-lag p50. Server CPU per request
(/proc/PID/stat) and its loop lag are printed for context.

Two more cases (``--cases``; all three by default):

- ``client-bound``: nginx on core 0, each client on core 1 (see ``_http_cases.py``):
  req/s and client CPU µs per request of the built-in client (now, and as it was at
  ``--baseline-rev``), ``wrk -t1 -c50``, and Locust with 1 and 2 workers;
- ``locust-p50``: the 10 ms handler at concurrency 50, the built-in client and Locust
  (2 workers) alternated, 3 repetitions: Locust's median p50 within 10 % of the
  built-in client's.

Run: ``.venv/bin/python benchmarks/bench_http.py [--reps 2] [--seconds 5] [--cases ...]``
(needs ``apt-get install wrk nginx`` and ``pip install -e '.[locust]'``)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from codeflash_lab.bench import BenchConfig, bench

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _http_cases import client_bound, locust_p50

SERVER = r"""
import asyncio, statistics, sys, time
from aiohttp import web, web_protocol

service, waits, lags = [], [], []
arrivals = {}

# Stamp when a request's bytes reach the server (one request in flight per
# connection in a closed loop), so the wait before the handler starts is measured.
_feed = web_protocol.RequestHandler.data_received
def _stamped(self, data):
    arrivals[self] = time.perf_counter()
    return _feed(self, data)
web_protocol.RequestHandler.data_received = _stamped

@web.middleware
async def timed(request, handler):
    t0 = time.perf_counter()
    resp = await handler(request)
    if request.path == "/":
        arrived = arrivals.pop(request.protocol, t0)
        waits.append(t0 - arrived)
        service.append(time.perf_counter() - t0)
    return resp

async def root(_):
    await asyncio.sleep(0.01)
    return web.Response(text="ok")

def _p50(xs):
    return statistics.median(xs) * 1000 if xs else None

async def stats(_):
    doc = {"service_p50_ms": _p50(service), "wait_p50_ms": _p50(waits),
           "residence_p50_ms": _p50([a + b for a, b in zip(waits, service)]),
           "lag_p50_ms": _p50(lags), "n": len(service)}
    service.clear(); waits.clear(); lags.clear()
    return web.json_response(doc)

async def probe(_app):
    async def run():
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(max(time.perf_counter() - t0 - 0.001, 0.0))
    task = asyncio.create_task(run())
    yield
    task.cancel()

async def main():
    app = web.Application(middlewares=[timed])
    app.router.add_get("/", root)
    app.router.add_get("/stats", stats)
    app.cleanup_ctx.append(probe)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def _cpu_s(pid: int) -> float:
    text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stats(base: str) -> dict[str, float]:
    with urllib.request.urlopen(base + "/stats", timeout=10) as resp:
        return json.loads(resp.read())  # type: ignore[no-any-return]


def _wrk(url: str, seconds: float) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-c50", "-t1", f"-d{int(seconds)}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    assert m is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return rps, float(m.group(1)) * scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--loops", default="asyncio,uvloop", help="client loops to run (comma-separated)"
    )
    parser.add_argument(
        "--cases", default="handler,client-bound,locust-p50", help="cases to run (comma-separated)"
    )
    parser.add_argument(
        "--baseline-rev",
        default="47750e4~1",
        help="git revision whose bench/http.py is the 'before' client (default: the one "
        "before the buffered-read rewrite)",
    )
    parser.add_argument("--case-reps", type=int, default=3, help="reps of the two new cases")
    parser.add_argument(
        "--p50-concurrency", type=int, default=50, help="concurrency of the locust-p50 case"
    )
    args = parser.parse_args()
    cases = set(args.cases.split(","))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    # The server in a session of its own, as a service under test usually is: with the
    # kernel's autogroup scheduling it then keeps its CPU share whatever the client is.
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        url = base + "/"
        loops = [name for name in args.loops.split(",") if name]
        rps: dict[str, list[float]] = {name: [] for name in [*loops, "wrk"]}
        for rep in range(args.reps if "handler" in cases else 0):
            order = [*loops, "wrk"] if rep % 2 == 0 else ["wrk", *reversed(loops)]
            for who in order:
                _stats(base)  # reset the server's counters
                if who == "wrk":
                    got, p50 = _wrk(url, args.seconds)
                    _stats(base)
                    rps["wrk"].append(got)
                    print(f"rep {rep} wrk -c50 -t1: {got:,.0f} req/s, p50 {p50:.2f} ms")
                    continue
                config = BenchConfig(concurrency=50, min_run_s=args.seconds, warmup_s=0.5, loop=who)  # type: ignore[arg-type]
                cpu0 = _cpu_s(server.pid)
                run = bench(url, config=config, runs=1, save=False, progress=False).runs[0]
                cpu1 = _cpu_s(server.pid)
                srv = _stats(base)
                cpu_per_req_ms = (cpu1 - cpu0) / max(srv["n"], 1) * 1000
                client_wait = run.lag_p50_ms or 0.0
                expected = srv["residence_p50_ms"] + client_wait
                p50 = run.latency_ms["p50"]
                rps[who].append(run.throughput_ops_s)
                print(f"rep {rep} harness ({who} loop): {run.throughput_ops_s:,.0f} req/s, p50 "
                      f"{p50:.2f} ms, p99 {run.latency_ms['p99']:.2f} ms, errors {run.errors}, "
                      f"client CPU {run.client_cpu or 0:.0%}, background "
                      f"{run.background_busy or 0:.0%}")  # fmt: skip
                print(f"    server: handler (service) p50 {srv['service_p50_ms']:.2f} ms, wait "
                      f"before the handler (queueing) p50 {srv['wait_p50_ms']:.2f} ms, their "
                      f"per-request sum p50 {srv['residence_p50_ms']:.2f} ms; client loop-lag "
                      f"p50 {client_wait:.2f} ms; expected {expected:.2f} ms; server CPU "
                      f"{cpu_per_req_ms * 1000:.0f} µs/request, loop-lag p50 "
                      f"{srv['lag_p50_ms']:.2f} ms -> harness p50 off by "
                      f"{(p50 - expected) / expected:+.1%} (goal within ±10%)")  # fmt: skip
        for name in loops if "handler" in cases else ():
            ratios = [o / w for o, w in zip(rps[name], rps["wrk"], strict=True)]
            print(f"req/s harness ({name} loop) / wrk: {sum(rps[name]) / sum(rps['wrk']):.2f} "
                  f"(per rep {', '.join(f'{r:.2f}' for r in ratios)}); goal >= 1.0")  # fmt: skip
        if "locust-p50" in cases:
            locust_p50(base, args.case_reps, args.seconds, args.p50_concurrency, server.pid)
    finally:
        server.terminate()
        server.wait(10)
    if "client-bound" in cases:
        client_bound(args.case_reps, args.seconds, args.baseline_rev)


if __name__ == "__main__":
    main()
