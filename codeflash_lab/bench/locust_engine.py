"""``--engine locust``: a Locust master and its workers as subprocesses, one per series.

Locust is never imported here (``import locust`` monkey-patches a process with
gevent): its presence is checked with ``importlib.util.find_spec`` and the master and
workers run as ``python -m locust`` with ``_locust/locustfile.py``. The workbench
drives the master through its web UI on 127.0.0.1 (routes the locustfile adds), so one
master and its workers serve every run of a bench, sweep or compare: per run it sends
the checked address and ``Host`` header, starts N users with no wait time (split
evenly over the workers), warms up, opens a measuring window, closes it, collects each
worker's microsecond histogram, and stops the users.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codeflash_lab.bench.http import check_reachable
from codeflash_lab.bench.locust_runs import parse_bind, run_from_reports, target_spec
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.runner import Measurable, run_in_fresh_loop, run_time_limit
from codeflash_lab.bench.system import cpu_shares, take_cpu_sample
from codeflash_lab.errors import MeasurementError, TargetError
from codeflash_lab.targets import resolve_loopback

__all__ = [
    "INSTALL_HINT",
    "LOCUSTFILE",
    "LocustEngine",
    "active",
    "engine_environment",
    "engine_scope",
    "locust_available",
    "measure_with_locust",
    "parse_bind",
    "require_locust",
    "spawn_env",
    "worker_command",
]

LOCUSTFILE = Path(__file__).resolve().parent / "_locust" / "locustfile.py"
INSTALL_HINT = "Locust is not installed here: pip install 'codeflash-lab[locust]'"
#: Seconds to wait for the master's web UI and for the workers to connect.
START_S = 60.0
#: Seconds each process gets to exit after it was asked to.
STOP_S = 10.0

_ACTIVE: contextvars.ContextVar[LocustEngine | None] = contextvars.ContextVar(
    "codeflash_locust_engine", default=None
)
# The control channel is 127.0.0.1: never through a proxy from the environment.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def locust_available() -> bool:
    """Whether ``locust`` can be started from this interpreter (it is not imported)."""
    return importlib.util.find_spec("locust") is not None


def require_locust() -> None:
    """Raise :class:`MeasurementError` with the one-line install hint when Locust is missing."""
    if not locust_available():
        raise MeasurementError(INSTALL_HINT)


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def worker_command(master_host: str, master_port: int, *, python: str | None = None) -> list[str]:
    """The command line of one worker connecting to a master."""
    return [
        python or sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
        "--master-host", master_host, "--master-port", str(master_port),
        "--loglevel", "WARNING",
    ]  # fmt: skip


def spawn_env() -> dict[str, str]:
    """The environment of a Locust process we start: it stops itself should we die."""
    return {**os.environ, "CFLAB_PARENT_PID": str(os.getpid())}


def _spawn(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = spawn_env()
    with log.open("wb") as out:
        # Its own process group: a Ctrl-C reaches only us, and we stop every process we
        # started. The same session, though: with the kernel's autogroup scheduling a new
        # session would get a CPU share of its own, unlike the built-in client's process,
        # and the two engines would not be measured alike on a busy machine.
        return subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
            process_group=0,
        )  # fmt: skip


def _last_line(log: Path) -> str:
    with contextlib.suppress(OSError):
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
        if lines:
            return lines[-1].strip()[:300]
    return "no output"


class LocustEngine:
    """A Locust master and ``workers`` local workers, alive from ``start()`` to ``close()``.

    Args:
        workers: local worker processes to start (more may join from other machines
            with ``codeflash-lab locust-worker``; every connected worker takes users).
        master_bind: ``ADDR:PORT`` of the master's ZeroMQ socket (default 127.0.0.1, any
            free port).
        allow_remote: allow a non-loopback ``master_bind``.
        progress: print users, req/s and failures to stderr while a run goes on.
        python: interpreter with Locust installed (default: this one).
    """

    def __init__(
        self,
        *,
        workers: int = 1,
        master_bind: str = "127.0.0.1:0",
        allow_remote: bool = False,
        progress: bool = False,
        python: str | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers: must be at least 1, got {workers}")
        self.workers = workers
        self.bind_host, port = parse_bind(master_bind, allow_remote=allow_remote)
        self.bind_port = port or _free_port(self.bind_host)
        self.progress = progress
        self.python = python or sys.executable
        self.web_port = 0
        self.procs: list[subprocess.Popen[bytes]] = []
        self._logs = Path(tempfile.gettempdir())  # its own folder once started
        self._window = 0
        #: The workers' reports of the last run (histogram, errors, seconds, CPU seconds).
        self.last_reports: list[dict[str, Any]] = []

    # -- processes ---------------------------------------------------------------------

    def start(self) -> LocustEngine:
        """Start the master and the workers and wait until every worker is connected.

        Raises:
            MeasurementError: Locust is missing, or the master or a worker did not come up.
        """
        require_locust()
        self._logs = Path(tempfile.mkdtemp(prefix="codeflash-locust-"))
        self.web_port = _free_port("127.0.0.1")
        master = [
            self.python, "-m", "locust", "-f", str(LOCUSTFILE), "--master",
            "--master-bind-host", self.bind_host, "--master-bind-port", str(self.bind_port),
            "--web-host", "127.0.0.1", "--web-port", str(self.web_port),
            "--loglevel", "WARNING",
        ]  # fmt: skip
        try:
            self.procs.append(_spawn(master, self._logs / "master.log"))
            self._wait(lambda s: True, "the Locust master's web UI", START_S, proc_check=True)
            connect = "127.0.0.1" if self.bind_host in ("0.0.0.0", "::") else self.bind_host
            for i in range(self.workers):
                cmd = worker_command(connect, self.bind_port, python=self.python)
                self.procs.append(_spawn(cmd, self._logs / f"worker{i}.log"))
            self._wait(
                lambda s: s["workers"] >= self.workers,
                f"{self.workers} Locust worker(s)",
                START_S,
                proc_check=True,
            )
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop the master and every worker this engine started (idempotent)."""
        procs, self.procs = self.procs, []
        for proc in procs:  # the master first: it tells the workers to quit
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_S
        for proc in procs:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(STOP_S)
        if self._logs.name.startswith("codeflash-locust-"):
            shutil.rmtree(self._logs, ignore_errors=True)

    def __enter__(self) -> LocustEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """Process ids of the master and the local workers."""
        return [p.pid for p in self.procs]

    # -- control channel ---------------------------------------------------------------

    def _call(self, path: str, doc: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.web_port}{path}"
        data = None if doc is None else json.dumps(doc).encode()
        req = urllib.request.Request(url, data=data, method="GET" if doc is None else "POST")
        req.add_header("Content-Type", "application/json")
        with _HTTP.open(req, timeout=10) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]

    def status(self) -> dict[str, Any]:
        """The master's state, users, workers, requests, failures and current req/s."""
        return self._call("/cflab/status")

    def _check_alive(self) -> None:
        for i, proc in enumerate(self.procs):
            if proc.poll() is not None:
                name = "master" if i == 0 else f"worker{i - 1}"
                raise MeasurementError(
                    f"Locust {name} exited ({proc.returncode}): "
                    f"{_last_line(self._logs / f'{name}.log')}"
                )

    def _wait(
        self, ok: Any, what: str, timeout_s: float, *, proc_check: bool = False
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc_check:
                self._check_alive()
            with contextlib.suppress(OSError, ValueError):
                state = self.status()
                if ok(state):
                    return state
            if time.monotonic() > deadline:
                raise MeasurementError(f"{what} not ready within {timeout_s:g} s")
            time.sleep(0.1)

    def _show(self, s: dict[str, Any], phase: str) -> None:
        if not self.progress:
            return
        line = (
            f"locust {phase}: {s['users']} users on {s['workers']} worker(s), "
            f"{s['rps']:,.0f} req/s, {s['failures']} failures"
        )
        end = "\r" if sys.stderr.isatty() else "\n"
        print(line.ljust(78), end=end, file=sys.stderr, flush=True)

    def _sleep(self, seconds: float, deadline: float, phase: str) -> dict[str, Any]:
        until = time.monotonic() + seconds
        state = self.status()
        while (now := time.monotonic()) < until:
            if now > deadline:
                raise MeasurementError("the Locust run passed its time limit")
            time.sleep(min(1.0, until - now))
            self._check_alive()
            state = self.status()
            self._show(state, phase)
        return state

    # -- one run -----------------------------------------------------------------------

    def measure(self, m: Measurable, config: BenchConfig, *, index: int = 0) -> Run:
        """One run of ``m`` with ``config`` on this engine's workers.

        Raises:
            TargetError: ``m`` is not a URL.
            MeasurementError: a process died, or the run passed its time limit.
        """
        target = m.target
        if target is None or target.kind != "url":
            raise TargetError(
                f"target {m.label!r}: --engine locust loads HTTP servers; a Python callable "
                "is measured by the built-in engine"
            )
        checked = m.checked or resolve_loopback(target, allow_remote=m.allow_remote)
        run_in_fresh_loop(lambda: check_reachable(target, checked=checked))  # one-line error
        deadline = time.monotonic() + run_time_limit(config)
        spec = target_spec(target, checked, config)
        self._check_alive()
        self._call("/cflab/start", {"users": config.concurrency, "target": spec})
        try:
            self._wait(
                lambda s: s["state"] == "running",
                f"{config.concurrency} Locust users",
                max(min(deadline - time.monotonic(), START_S), 1.0),
                proc_check=True,
            )
            state = self._sleep(config.warmup_s, deadline, "warm-up")
            warm = int(state["requests"])
            self._window += 1
            window = self._window
            before = take_cpu_sample()
            seconds = config.min_run_s if config.ops else config.run_seconds
            # Each worker times its own window (``seconds``); by op count we say when.
            self._call(
                "/cflab/mark", {"window": window, "seconds": None if config.ops else seconds}
            )
            state = self._sleep(seconds, deadline, "run")
            while config.ops and int(state["requests"]) - warm < config.ops:
                state = self._sleep(1.0, deadline, "run")
            if config.ops:
                self._call("/cflab/end", {"window": window})
            after = take_cpu_sample()
            result = self._collect(window, deadline)
            self.last_reports = list(result["reports"])
        finally:
            with contextlib.suppress(OSError, ValueError, MeasurementError):
                self._call("/cflab/stop", {})
                self._wait(lambda s: s["state"] in ("stopped", "ready"), "stop", STOP_S)
            if self.progress and sys.stderr.isatty():
                print(" " * 78, end="\r", file=sys.stderr, flush=True)
        _, background = cpu_shares(before, after)
        return run_from_reports(
            result["reports"], config, index=index, warmup_ops=warm, background=background
        )

    def _collect(self, window: int, deadline: float) -> dict[str, Any]:
        limit = min(time.monotonic() + STOP_S, max(deadline, time.monotonic() + 1.0))
        while True:
            doc = self._call(f"/cflab/result?window={window}")
            if doc["reports"] and len(doc["reports"]) >= doc["expected"]:
                return doc
            if time.monotonic() > limit:
                raise MeasurementError(
                    f"{len(doc['reports'])} of {doc['expected']} Locust workers reported "
                    "their measurements"
                )
            self._check_alive()
            time.sleep(0.05)


def engine_environment(config: BenchConfig, engine: LocustEngine | None = None) -> dict[str, Any]:
    """``engine`` and ``workers`` for a result's environment record."""
    if config.engine != "locust":
        return {"engine": "builtin", "workers": 1}
    active = engine or _ACTIVE.get()
    workers = config.workers
    if active is not None:
        with contextlib.suppress(OSError, ValueError, MeasurementError):
            workers = max(int(active.status()["workers"]), active.workers)
    return {"engine": "locust", "workers": workers}


@contextlib.contextmanager
def engine_scope(config: BenchConfig, *, progress: bool | None = None) -> Iterator[None]:
    """Keep one Locust master and its workers for every run inside (no-op for ``builtin``).

    An engine already active (the CLI opens one for ``--master-bind``) is reused.
    """
    if config.engine != "locust" or _ACTIVE.get() is not None:
        yield
        return
    with LocustEngine(workers=config.workers, progress=bool(progress)) as engine, active(engine):
        yield


@contextlib.contextmanager
def active(engine: LocustEngine) -> Iterator[LocustEngine]:
    """Make ``engine`` the one :func:`measure_with_locust` uses inside the block."""
    token = _ACTIVE.set(engine)
    try:
        yield engine
    finally:
        _ACTIVE.reset(token)


def measure_with_locust(m: Measurable, config: BenchConfig, *, index: int = 0) -> Run:
    """One run on the active engine, or on an engine started for this run alone."""
    engine = _ACTIVE.get()
    if engine is not None:
        return engine.measure(m, config, index=index)
    with LocustEngine(workers=config.workers) as fresh:
        return fresh.measure(m, config, index=index)
