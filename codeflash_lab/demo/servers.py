"""Start and stop the demo's servers as child processes on 127.0.0.1.

Every server is a ``python -m ...`` subprocess that prints ``READY <url>`` once
it listens. :class:`DemoServers` owns them all and stops every one of them on
exit, on Ctrl-C and on failure, so no process outlives the demo.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from codeflash_lab.errors import DemoError, TargetError
from codeflash_lab.targets import resolve_loopback

__all__ = ["DemoServers", "ServerHandle", "check_port_free"]

_READY = "READY "
_START_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0
#: Exit code the demo's servers use when their port is taken.
_EXIT_PORT_IN_USE = 3


@dataclass
class ServerHandle:
    """One running server.

    Attributes:
        name: a short label (``"upstream"``, ``"service-a"``...).
        url: its base URL, ``http://127.0.0.1:PORT``.
        process: the child process.
        log_path: where its stderr goes.
    """

    name: str
    url: str
    process: subprocess.Popen[str] = field(repr=False)
    log_path: Path

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.url.rsplit(":", 1)[1])


def check_port_free(port: int) -> None:
    """Raise when ``port`` on 127.0.0.1 is taken (port 0 always passes).

    Args:
        port: the TCP port to try.

    Raises:
        ValueError: ``port`` is outside 0-65535.
        DemoError: something already listens on it.
    """
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be between 0 and 65535, got {port}")
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise DemoError(_port_message(port)) from exc
            raise DemoError(f"cannot use port {port} on 127.0.0.1: {exc.strerror}") from exc


def _port_message(port: int) -> str:
    return (
        f"port {port} on 127.0.0.1 is already in use; choose another port "
        "(or 0 to let the system pick a free one)"
    )


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to send SIGTERM to the child if the demo process dies abruptly."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class DemoServers:
    """Owner of the demo's server processes; use it as a context manager.

    Args:
        log_dir: folder for the servers' stderr logs (created when missing).
        python: the interpreter running the servers (default: this one).
    """

    def __init__(self, log_dir: str | os.PathLike[str], *, python: str | None = None) -> None:
        self.log_dir = Path(log_dir)
        self.python = python or sys.executable
        self._running: list[ServerHandle] = []

    def __enter__(self) -> DemoServers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    @property
    def running(self) -> tuple[ServerHandle, ...]:
        """The servers started and not yet stopped."""
        return tuple(self._running)

    def start_upstream(self, code_dir: Path, *, latency_ms: float, port: int = 0) -> ServerHandle:
        """Start the fake upstream service answering after ``latency_ms``.

        Args:
            code_dir: the demo project folder (holds the ``shopfront`` package).
            latency_ms: response time of every upstream call.
            port: TCP port, 0 for any free one.

        Returns:
            The running server.

        Raises:
            ValueError: ``latency_ms`` is negative.
            DemoError: the port is taken or the server does not start.
        """
        if latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {latency_ms}")
        args = ["-m", "shopfront.upstream_stub", "--latency-ms", str(latency_ms)]
        return self.start("upstream", code_dir, args, port=port)

    def start_service(
        self, name: str, code_dir: Path, *, upstream_url: str, port: int = 0
    ) -> ServerHandle:
        """Start the shopfront service from the code in ``code_dir``.

        Args:
            name: a label for this instance (several versions can run side by side).
            code_dir: folder holding the ``shopfront`` package to run.
            upstream_url: base URL of the upstream service.
            port: TCP port, 0 for any free one.

        Returns:
            The running server.

        Raises:
            DemoError: the port is taken or the server does not start.
        """
        return self.start(
            name, code_dir, ["-m", "shopfront", "--upstream", upstream_url], port=port
        )

    def start(self, name: str, code_dir: Path, args: list[str], *, port: int = 0) -> ServerHandle:
        """Start ``python ARGS --port PORT`` in ``code_dir`` and wait for its READY line.

        Raises:
            DemoError: the port is taken, the process exits early or never gets ready.
        """
        check_port_free(port)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = str(Path(code_dir).resolve())
        env.pop("PYTHONASYNCIODEBUG", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen(
                [self.python, *args, "--port", str(port)],
                cwd=code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        handle = ServerHandle(name, "", process, log_path)
        self._running.append(handle)
        try:
            handle.url = _own_url(handle.name, self._wait_ready(handle, port))
        except BaseException:
            self.stop(handle)
            raise
        return handle

    def _wait_ready(self, handle: ServerHandle, port: int) -> str:
        process = handle.process
        assert process.stdout is not None
        deadline = time.monotonic() + _START_TIMEOUT_S
        with selectors.DefaultSelector() as sel:
            sel.register(process.stdout, selectors.EVENT_READ)
            while (left := deadline - time.monotonic()) > 0:
                if sel.select(timeout=min(left, 0.2)):
                    line = process.stdout.readline()
                    if line.startswith(_READY):
                        return line[len(_READY) :].strip()
                    if line:
                        continue
                if process.poll() is not None:
                    break
        code = process.poll()
        if code == _EXIT_PORT_IN_USE:
            raise DemoError(_port_message(port))
        tail = _tail(handle.log_path)
        if code is None:
            raise DemoError(
                f"the {handle.name} server did not get ready within {_START_TIMEOUT_S:.0f} s"
                + (f": {tail}" if tail else "")
            )
        raise DemoError(
            f"the {handle.name} server exited with code {code}" + (f": {tail}" if tail else "")
        )

    def stop(self, handle: ServerHandle) -> None:
        """Stop one server: SIGTERM, then SIGKILL if it lingers. Safe to call twice."""
        process = handle.process
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                process.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait(_STOP_TIMEOUT_S)
        if process.stdout is not None:
            process.stdout.close()
        if handle in self._running:
            self._running.remove(handle)

    def stop_all(self) -> None:
        """Stop every server still running, newest first (even when interrupted again)."""
        for handle in reversed(list(self._running)):
            try:
                self.stop(handle)
            except KeyboardInterrupt:
                with contextlib.suppress(ProcessLookupError):
                    handle.process.kill()
                handle.process.wait()
                if handle in self._running:
                    self._running.remove(handle)


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return " | ".join(text.splitlines()[-lines:])


def _no_lookup(host: str, port: int) -> list[str]:
    raise OSError("the demo looks no name up")


def _own_url(name: str, url: str) -> str:
    """The URL a server we started announced, as the loopback address it stands for.

    ``localhost`` and ``*.localhost`` are 127.0.0.1 and an IP address is itself; any
    other name is refused without being looked up, and so is any address that is not
    this machine, before anything connects to it.

    Raises:
        DemoError: the announced URL is not on this machine.
    """
    try:
        checked = resolve_loopback(url, resolver=_no_lookup)
    except TargetError as exc:
        raise DemoError(
            f"the {name} server announced {url!r}: the demo and the workshop connect only "
            f"to the servers they started on this machine ({exc})"
        ) from None
    host = f"[{checked.addr}]" if ":" in checked.addr else checked.addr
    return f"http://{host}:{checked.port}"
