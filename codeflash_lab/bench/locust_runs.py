"""``--engine locust``'s pure parts: runs from the workers' reports, what the workers are
sent, the ``--master-bind`` check, and the advice to use the engine.

A worker's report (see ``_locust/locustfile.py``) holds its histogram of request times
(``[(microseconds, count), ...]``), its errors by kind, its first error, its measured
seconds and its CPU seconds. They become one :class:`~codeflash_lab.bench.model.Run`,
the same record the built-in client produces.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from codeflash_lab.bench.checks import CLIENT_CPU_LIMIT, StabilityWarning, run_warnings
from codeflash_lab.bench.locust_hist import merge_histograms, summarize_histogram
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.stats import median
from codeflash_lab.targets import CheckedTarget, Target, is_loopback_host

__all__ = ["advise_engine", "parse_bind", "run_from_reports", "target_spec"]


def parse_bind(text: str, *, allow_remote: bool = False) -> tuple[str, int]:
    """``ADDR:PORT`` (``[v6]:PORT``; port 0: any free port) of the master's ZeroMQ socket.

    Raises:
        ValueError: a malformed value, or an address that is not loopback without
            ``allow_remote`` (Locust's ZeroMQ channel is not authenticated).
    """
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"--master-bind: expected ADDR:PORT, got {text!r}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"--master-bind: {host!r} is not an IP address") from None
    if not is_loopback_host(host) and not allow_remote:
        raise ValueError(
            f"--master-bind: {host} is not loopback; binding where other machines reach it "
            "needs --allow-remote (Locust's ZeroMQ channel is not authenticated)"
        )
    return host, int(port)


def target_spec(target: Target, checked: CheckedTarget, config: BenchConfig) -> dict[str, Any]:
    """What the workers request: the checked address as base URL, the URL's ``Host`` header."""
    addr = f"[{checked.addr}]" if ":" in checked.addr else checked.addr
    headers = [("Host", checked.host_header), *config.headers]
    return {
        "base": f"{checked.scheme}://{addr}:{checked.port}",
        "path": target.url_path or "/",
        "method": config.method.upper(),
        "headers": [list(h) for h in headers],
        "body": config.body,
        "timeout_s": config.timeout_s,
    }


def run_from_reports(
    reports: Sequence[Mapping[str, Any]],
    config: BenchConfig,
    *,
    index: int = 0,
    warmup_ops: int = 0,
    background: float | None = None,
) -> Run:
    """One run from the workers' reports of one measuring window.

    ``elapsed_s`` is the median of the workers' windows; ``client_cpu`` is the busiest
    worker's CPU seconds per second (one worker is one process on one core).

    Raises:
        ValueError: no report.
    """
    if not reports:
        raise ValueError("reports: needs at least one worker's report")
    hist = merge_histograms(r["hist"] for r in reports)
    ok = sum(hist.values())
    kinds: dict[str, int] = {}
    for r in reports:
        for kind, count in r["errors"].items():
            kinds[kind] = kinds.get(kind, 0) + int(count)
    elapsed = median([float(r["elapsed_s"]) for r in reports])
    facts: dict[str, Any] = {
        "index": index,
        "mode": "closed",
        "concurrency": config.concurrency,
        "ok_ops": ok,
        "errors": sum(kinds.values()),
        "error_kinds": kinds,
        "first_error": next((r["first_error"] for r in reports if r["first_error"]), None),
        "elapsed_s": elapsed,
        "throughput_ops_s": ok / elapsed if elapsed > 0 else 0.0,
        "latency_ms": summarize_histogram(hist) if ok else {},
        "warmup_ops": warmup_ops,
        "loop": config.loop,
        "isolation": "process",
        "client_cpu": max(float(r["cpu_s"]) / max(float(r["elapsed_s"]), 1e-9) for r in reports),
        "background_busy": background,
    }
    run = Run(**facts, warnings=tuple(run_warnings(facts, index=index)))
    return _reword(run, "a Locust worker used {cpu:.0%} of a core; add workers (--workers N, "
                        "or codeflash-lab locust-worker on another machine)")  # fmt: skip


def advise_engine(run: Run, *, is_url: bool) -> Run:
    """For a URL run of the built-in client over the CPU limit: suggest Locust's workers."""
    if not is_url:
        return run  # the "client" of a callable target is the code under test
    return _reword(run, "client used {cpu:.0%} of a core, so the client may be the limit; "
                        "spread the load over processes with --engine locust --workers N")  # fmt: skip


def _reword(run: Run, template: str) -> Run:
    cpu = run.client_cpu
    if cpu is None or cpu <= CLIENT_CPU_LIMIT:
        return run
    warnings = tuple(
        StabilityWarning(w.code, template.format(cpu=cpu), w.run)
        if w.code == "client-cpu-saturated"
        else w
        for w in run.warnings
    )
    return replace(run, warnings=warnings)
