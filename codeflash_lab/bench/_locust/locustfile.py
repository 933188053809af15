"""The locustfile of ``--engine locust``: loaded only by Locust's master and workers.

Nothing of the workbench imports this module (``import locust`` monkey-patches the
process with gevent); ``codeflash_lab.bench.locust_engine`` starts ``python -m locust``
with it and talks to the master over HTTP on 127.0.0.1.

Every worker records each request's time (Locust's ``request`` event, float ms) into
its own histogram: 1 µs buckets below 65.536 ms, then 16 significant bits (well under
0.01 %). Locust's own statistics round to whole milliseconds, too coarse for a 10 %
rule. From a ``mark`` message on, a worker records for the seconds it names (timed by
the worker, so a message that arrives late never shortens the window), or until an
``end`` message; then it sends its histogram, its errors by kind, its measured seconds and its CPU seconds to the
master, which keeps them per window for the workbench to fetch (``/cflab/result``).

Users are ``FastHttpUser``s with no wait time (a closed loop) sent to the address the
workbench's loopback guard checked, with the URL's ``Host`` header: no worker looks a
name up. The master's routes (``/cflab/...``) exist only on its web UI, which the
workbench binds to 127.0.0.1.
"""

# Locust's and Flask's decorators are untyped; the functions they wrap are typed.
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import os
import signal
import time
from typing import Any

import gevent
from locust import FastHttpUser, constant, events, task
from locust.runners import MasterRunner, WorkerRunner

_EXACT_BELOW_US = 1 << 16
_TARGET: dict[str, Any] = {"method": "GET", "path": "/", "headers": {}, "body": None}


class _Recorder:
    """One worker's measurements of the current window."""

    def __init__(self) -> None:
        self.window: int | None = None
        self.hist: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.first_error: str | None = None
        self.t0 = 0.0
        self.cpu0 = 0.0

    def start(self, window: int) -> None:
        self.hist, self.errors, self.first_error = {}, {}, None
        self.t0, self.cpu0 = time.perf_counter(), _cpu_s()
        self.window = window

    def report(self) -> dict[str, Any]:
        self.window = None
        return {
            "hist": sorted(self.hist.items()),  # pairs: msgpack maps need string keys
            "errors": self.errors,
            "first_error": self.first_error,
            "elapsed_s": time.perf_counter() - self.t0,
            "cpu_s": _cpu_s() - self.cpu0,
            "pid": os.getpid(),
        }


_REC = _Recorder()
_REPORTS: dict[int, dict[str, Any]] = {}
#: Requests answered and failed since this process started (worker), for progress.
_COUNTS = {"ok": 0, "failed": 0}
#: Master: each worker's last two progress ticks, ``(monotonic, ok, failed)``.
_TICKS: dict[str, list[tuple[float, int, int]]] = {}
_BASE: dict[str, tuple[int, int]] = {}


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


@events.request.add_listener
def _on_request(response_time: float, exception: BaseException | None = None, **_: Any) -> None:
    if exception is None:
        _COUNTS["ok"] += 1
    else:
        _COUNTS["failed"] += 1
    rec = _REC
    if rec.window is None:
        return
    if exception is None:
        us = int(response_time * 1000.0 + 0.5)
        if us >= _EXACT_BELOW_US:
            shift = us.bit_length() - 16
            us = (us >> shift) << shift
        rec.hist[us] = rec.hist.get(us, 0) + 1
    else:
        kind = type(exception).__name__
        rec.errors[kind] = rec.errors.get(kind, 0) + 1
        if rec.first_error is None:
            text = str(exception).strip().splitlines()
            rec.first_error = f"{kind}: {text[0]}" if text else kind


class CodeflashUser(FastHttpUser):
    """One closed-loop user: the next request as soon as the last one is answered."""

    wait_time = constant(0)
    host = "http://127.0.0.1"  # replaced by the checked address of each run

    @task
    def one(self) -> None:
        t = _TARGET
        self.client.request(
            t["method"], t["path"], data=t["body"], headers=t["headers"], name="target"
        )


def _set_target(environment: Any, msg: Any, **_: Any) -> None:
    data = msg.data
    body = data.get("body")
    _TARGET.update(
        method=data["method"],
        path=data["path"],
        headers=dict(data["headers"]),
        body=body.encode("latin-1") if isinstance(body, str) else body,
    )
    if data.get("timeout_s"):
        CodeflashUser.network_timeout = float(data["timeout_s"])
        CodeflashUser.connection_timeout = float(data["timeout_s"])


def _mark(environment: Any, msg: Any, **_: Any) -> None:
    # The window is timed here: a worker that gets the message late (a busy machine)
    # still records for the whole length asked for.
    window = int(msg.data["window"])
    _REC.start(window)
    if msg.data.get("seconds"):
        gevent.spawn_later(float(msg.data["seconds"]), _finish, environment, window)


def _finish(environment: Any, window: int) -> None:
    if _REC.window != window:
        return
    report = _REC.report()
    report["window"] = window
    environment.runner.send_message("cflab_report", report)


def _end(environment: Any, msg: Any, **_: Any) -> None:
    _finish(environment, int(msg.data["window"]))


def _collect(environment: Any, msg: Any, **_: Any) -> None:
    entry = _REPORTS.get(int(msg.data["window"]))
    if entry is not None:
        entry["reports"].append({**msg.data, "worker": msg.node_id})


def _tick(environment: Any) -> None:
    # Locust's own worker reports come every 3 s; progress and the op count want more.
    while True:
        gevent.sleep(1.0)
        environment.runner.send_message("cflab_tick", dict(_COUNTS))


def _on_tick(environment: Any, msg: Any, **_: Any) -> None:
    ticks = _TICKS.setdefault(msg.node_id, [])
    ticks.append((time.monotonic(), int(msg.data["ok"]), int(msg.data["failed"])))
    del ticks[:-2]


def _progress() -> dict[str, float]:
    ok = failed = 0
    rps = 0.0
    for node, ticks in _TICKS.items():
        base_ok, base_failed = _BASE.get(node, (0, 0))
        ok += ticks[-1][1] - base_ok
        failed += ticks[-1][2] - base_failed
        if len(ticks) == 2 and ticks[1][0] > ticks[0][0]:
            rps += (ticks[1][1] + ticks[1][2] - ticks[0][1] - ticks[0][2]) / (
                ticks[1][0] - ticks[0][0]
            )
    return {"requests": ok + failed, "failures": failed, "rps": rps}


def _watch_parent() -> None:
    # The workbench (or ``codeflash-lab locust-worker``) that started this process
    # stops it; should that process die without doing so, stop on our own.
    parent = int(os.environ.get("CFLAB_PARENT_PID", "0") or 0)
    if not parent:
        return
    while True:
        gevent.sleep(1.0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _routes(environment: Any) -> None:
    from flask import jsonify, request

    app = environment.web_ui.app
    runner = environment.runner

    @app.route("/cflab/status")
    def status() -> Any:
        return jsonify(
            state=runner.state, users=runner.user_count, workers=runner.worker_count, **_progress()
        )

    @app.route("/cflab/start", methods=["POST"])
    def start() -> Any:
        doc = request.get_json(force=True)
        target = doc["target"]
        runner.stats.reset_all()
        for node, ticks in _TICKS.items():  # progress counts start again with each run
            _BASE[node] = (ticks[-1][1], ticks[-1][2])
        environment.host = target["base"]
        runner.send_message("cflab_target", target)
        users = int(doc["users"])
        gevent.spawn(runner.start, users, float(max(users, 1)))
        return jsonify(ok=True)

    @app.route("/cflab/mark", methods=["POST"])
    def mark() -> Any:
        doc = request.get_json(force=True)
        window = int(doc["window"])
        _REPORTS[window] = {"expected": runner.worker_count, "reports": []}
        runner.send_message("cflab_mark", {"window": window, "seconds": doc.get("seconds")})
        return jsonify(ok=True, workers=runner.worker_count)

    @app.route("/cflab/end", methods=["POST"])
    def end() -> Any:
        runner.send_message("cflab_end", {"window": int(request.get_json(force=True)["window"])})
        return jsonify(ok=True)

    @app.route("/cflab/result")
    def result() -> Any:
        return jsonify(_REPORTS.get(int(request.args["window"]), {"expected": 0, "reports": []}))

    @app.route("/cflab/stop", methods=["POST"])
    def stop() -> Any:
        runner.stop()
        return jsonify(ok=True)


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message("cflab_target", _set_target)
        runner.register_message("cflab_mark", _mark)
        runner.register_message("cflab_end", _end)
        gevent.spawn(_tick, environment)
    elif isinstance(runner, MasterRunner):
        runner.register_message("cflab_report", _collect)
        runner.register_message("cflab_tick", _on_tick)
        if environment.web_ui is not None:
            _routes(environment)
    gevent.spawn(_watch_parent)
