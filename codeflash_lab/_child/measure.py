"""The measuring child: runs one job on a target in the project's own interpreter.

Run by file path (``PYTHON .../codeflash_lab/_child/measure.py [JOB_FILE]``) so that it
imports nothing of codeflash_lab and needs only the standard library (plus yappi for a
profile), on Python 3.9 to 3.13. The job is JSON on stdin (or in ``JOB_FILE``); the
result is written as JSON to the file the job names in ``out`` (never stdout, which the
target may print to). Jobs (``mode``):

- ``bench``: one measured run, closed or open loop, written as ``{"run": {...}}`` in the
  shape ``Run.from_dict`` reads (the parent adds the stability warnings);
- ``lag``: call the target for a while under the lag probe (``{"lag": {...}}``);
- ``profile``: call it under yappi's wall clock (``{"profile": {...}}``);
- ``probe``: ``n`` sequential calls against ``n`` gathered ones, ``repeats`` times
  (``{"probe": {"sequential_s": [...], "gathered_s": [...]}}``; see ``bench.sweep``);
- ``call``: await it once (for ``debug``, which runs this under asyncio debug mode).

Exit codes: 0 done, 2 an error record was written, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sys
from typing import TYPE_CHECKING, Any

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _HERE:
    sys.path.pop(0)  # the child's folder must not shadow the project's modules
sys.path.append(_HERE)
import _cflab_drivers as drivers  # noqa: E402
import _cflab_http as http  # noqa: E402
import _cflab_lag as lag  # noqa: E402
import _cflab_openloop as openloop  # noqa: E402
import _cflab_probe as ratio_probe  # noqa: E402
import _cflab_stats as stats  # noqa: E402
import _cflab_target as targets  # noqa: E402

sys.path.remove(_HERE)


if TYPE_CHECKING:  # names for annotations only: this file also starts on Python 3.8
    from collections.abc import AsyncIterator, Callable, Coroutine

    Job = dict[str, Any]


class JobError(Exception):
    """The job cannot run: reported as ``{"error", "error_type"}``."""

    def __init__(self, message: str, error_type: str = "TargetError") -> None:
        super().__init__(message)
        self.error_type = error_type


def run_loop(make: Callable[[], Coroutine[Any, Any, Any]], loop_name: str = "asyncio") -> Any:
    """Run ``make()`` to completion on a brand-new event loop, then close it."""
    if loop_name == "uvloop":
        try:
            import uvloop
        except ImportError:
            raise JobError(
                f"loop 'uvloop' requested but uvloop is not installed in {sys.executable}",
                "MeasurementError",
            ) from None
        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(make())
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _callable(job: Job) -> Callable[[], Coroutine[Any, Any, Any]]:
    target = job["target"]
    func = targets.resolve(
        job["spec"], target.get("path"), target.get("module"), target["attr"],
        job.get("cwd"), job.get("confine"),
    )  # fmt: skip
    args, kwargs = tuple(job.get("args") or ()), dict(job.get("kwargs") or {})
    return functools.partial(func, *args, **kwargs) if (args or kwargs) else func


async def _source(job: Job) -> tuple[Callable[[int], Any], list[Any]]:
    """The per-worker op factory and the connections to close afterwards."""
    if job["target"].get("kind") == "url":
        checked = job["checked"]
        problem = await http.check_reachable(job["spec"], checked)
        if problem:
            raise JobError(problem)
        request = job["request"].encode("latin-1")
        conns: list[Any] = []

        def make_http(_w: int) -> Any:
            conn = http.HttpConnection(checked, request)
            conns.append(conn)
            return conn.request

        return make_http, conns
    op = _callable(job)
    return (lambda _w: op), []


def _around(probe_facts: dict[str, Any], stall_ms: float) -> Callable[[], Any]:
    @contextlib.asynccontextmanager
    async def around() -> AsyncIterator[None]:
        monitor = lag.LagProbe(threshold_ms=stall_ms)
        await monitor.__aenter__()
        before = stats.take_cpu_sample()
        try:
            yield
        finally:
            after = stats.take_cpu_sample()
            cpu, busy = stats.cpu_shares(before, after)
            await monitor.__aexit__(None, None, None)
            res = monitor.result()
            lags = [s[1] for s in res["samples"]]
            probe_facts.update(
                client_cpu=cpu,
                background_busy=busy,
                lag_max_ms=float(max(lags, default=0.0)),
                lag_stalls=len(res["stall_list"]),
                lag_p50_ms=float(stats.percentile(sorted(lags), 50)) if lags else None,
            )

    return around


async def _measure(job: Job) -> dict[str, Any]:
    c = job["config"]
    make_op, closers = await _source(job)
    probe: dict[str, Any] = {}
    around = _around(probe, float(job.get("stall_ms", 10.0)))
    try:
        if c.get("rate") is not None:
            seconds = c["ops"] / c["rate"] if c.get("ops") else _run_seconds(c)
            raw = await openloop.run_open(
                make_op, pool=c["concurrency"], rate=c["rate"],
                seconds=max(seconds, c["min_run_s"]), warmup_s=c["warmup_s"],
                arrivals=c.get("arrivals", "constant"), seed=c.get("seed", 0),
                timeout_s=c.get("timeout_s"), max_backlog=c.get("max_backlog"), around=around,
            )  # fmt: skip
        else:
            raw = await drivers.run_closed(
                make_op, concurrency=c["concurrency"], ops=c.get("ops"),
                seconds=c["min_run_s"] if c.get("ops") else _run_seconds(c),
                warmup_s=c["warmup_s"], timeout_s=c.get("timeout_s"),
                batch=c.get("batch", 1), around=around,
            )  # fmt: skip
    finally:
        for conn in closers:
            await conn.aclose()
    return _facts(raw, probe, c, int(job.get("index", 0)))


def _run_seconds(c: Job) -> float:
    return float(max(c.get("duration_s") or 0.0, c["min_run_s"]))


def _facts(raw: Any, probe: dict[str, Any], c: Job, index: int) -> dict[str, Any]:
    ok = len(raw.latencies_ns)
    batch = int(c.get("batch", 1))
    closed = c.get("rate") is None
    elapsed_s = raw.elapsed_ns / 1e9
    return {
        "index": index,
        "mode": "closed" if closed else "open",
        "concurrency": c["concurrency"],
        "ok_ops": ok * batch if closed else ok,
        "errors": raw.errors,
        "error_kinds": dict(raw.error_kinds),
        "first_error": raw.first_error,
        "elapsed_s": elapsed_s,
        "throughput_ops_s": (ok * batch / elapsed_s) if elapsed_s > 0 else 0.0,
        "latency_ms": stats.summarize_latencies(raw.latencies_ns) if ok else {},
        "warmup_ops": raw.warmup_ops,
        "loop": c.get("loop", "asyncio"),
        "batch": batch,
        "lag_max_ms": probe.get("lag_max_ms"),
        "lag_stalls": probe.get("lag_stalls"),
        "lag_p50_ms": probe.get("lag_p50_ms"),
        "client_cpu": probe.get("client_cpu"),
        "background_busy": probe.get("background_busy"),
        "dropped": raw.dropped,
        "schedule_lag_ms": stats.summarize_latencies(raw.schedule_lag_ns)
        if raw.schedule_lag_ns
        else None,
        "service_ms": stats.summarize_latencies(raw.service_ns) if raw.service_ns else None,
        "nest_asyncio": stats.nest_asyncio_applied(),
        "warnings": [],
    }


def _lag(job: Job) -> dict[str, Any]:
    op = _callable(job)
    opts = job.get("lag") or {}
    monitor = lag.LagProbe(
        opts.get("interval_s", 0.01), opts.get("threshold_ms", 20.0), True, bool(opts.get("hook"))
    )

    async def main() -> Any:
        async with monitor:
            end = _now() + float(opts.get("duration_s", 1.0))
            try:
                while True:
                    await op()
                    if _now() >= end:
                        break
            except Exception:  # the lag up to the failure is still worth reporting
                pass
        return monitor.result()

    result: dict[str, Any] = run_loop(main, job.get("loop", "asyncio"))
    return result


def _now() -> float:
    import time

    return time.perf_counter()


def _profile(job: Job) -> dict[str, Any]:
    for folder in job.get("extra_path") or ():
        if folder not in sys.path:
            sys.path.append(folder)
    try:
        import yappi  # noqa: F401
    except ImportError:
        raise JobError(f"yappi is not importable in {sys.executable}", "YappiMissing") from None
    sys.path.append(_HERE)
    import _cflab_profile

    sys.path.remove(_HERE)
    op = _callable(job)
    opts = job.get("profile") or {}
    return _cflab_profile.profile(  # type: ignore[no-any-return]
        op, run_loop, job.get("loop", "asyncio"), float(opts.get("duration_s", 1.0)),
        int(opts.get("max_calls", 1000)), bool(opts.get("include_library")), opts.get("top"),
        clock=str(opts.get("clock", "wall")),
    )  # fmt: skip


def _probe(job: Job) -> dict[str, Any]:
    opts = job.get("probe") or {}
    n, repeats = int(opts.get("n", 10)), int(opts.get("repeats", 5))

    async def main() -> Any:
        make_op, closers = await _source(job)
        seqs, gathers = await ratio_probe.sequential_vs_gathered(
            make_op, closers, n=n, repeats=repeats
        )
        return {"sequential_s": seqs, "gathered_s": gathers}

    result: dict[str, Any] = run_loop(main, job.get("loop", "asyncio"))
    return result


def _call(job: Job) -> dict[str, Any]:
    op = _callable(job)

    async def main() -> Any:
        await op()

    run_loop(main, job.get("loop", "asyncio"))
    return {"calls": 1}


def _write(path: str, doc: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, default=str)


def main(argv: list[str] | None = None) -> int:
    """Run the job; exit 0 with a result, 2 with an error record, 130 on Ctrl-C."""
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        with open(argv[0], encoding="utf-8") as fh:
            job = json.load(fh)
    else:
        job = json.loads(sys.stdin.read())
    out = job.get("out")
    mode = job.get("mode", "bench")
    try:
        if sys.version_info < (3, 9):  # noqa: UP036 - it runs in the project's Python
            found = ".".join(str(v) for v in sys.version_info[:3])
            raise JobError(
                f"{sys.executable} is Python {found}; the measuring child needs Python 3.9 "
                "or newer (name another interpreter in setup.md or with init --python)",
                "MeasurementError",
            )
        if mode == "bench":
            doc = {"run": run_loop(lambda: _measure(job), job["config"].get("loop", "asyncio"))}
        elif mode == "lag":
            doc = {"lag": _lag(job)}
        elif mode == "profile":
            doc = {"profile": _profile(job)}
        elif mode == "probe":
            doc = {"probe": _probe(job)}
        elif mode == "call":
            doc = {"call": _call(job)}
        else:
            raise JobError(f"unknown job mode {mode!r}", "ValueError")
    except KeyboardInterrupt:
        return 130
    except (JobError, targets.TargetError) as exc:
        kind = getattr(exc, "error_type", "TargetError")
        if out:
            _write(out, {"error": str(exc), "error_type": kind})
        sys.stderr.write(f"codeflash-lab child: {exc}\n")
        return 2
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        if out:
            _write(out, {"error": message, "error_type": type(exc).__name__})
        sys.stderr.write(f"codeflash-lab child: {message}\n")
        return 2
    doc["python"] = sys.executable
    doc["python_version"] = ".".join(str(v) for v in sys.version_info[:3])
    if out:
        _write(out, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
