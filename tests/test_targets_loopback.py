"""The loopback guard: names are checked once and the connection goes to the checked address.

Every test here runs with ``socket.connect`` guarded: a connection to anything but
127.0.0.0/8 or ::1 raises before a packet is sent, so a regression fails the test
instead of reaching another machine. Name lookups go through a fake resolver that
answers with documentation addresses (RFC 5737 / RFC 3849), never a real one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeflash_lab.bench import BenchConfig, bench
from codeflash_lab.errors import TargetError

QUICK = BenchConfig(concurrency=2, min_run_s=0.15, warmup_s=0.02)
REMOTE_V4 = "192.0.2.10"  # TEST-NET-1: documentation only
REMOTE_V6 = "2001:db8::10"  # documentation only


class HostRecorder:
    """A tiny HTTP/1.1 keep-alive server on 127.0.0.1 that records each request's Host."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "host":
                        self.hosts.append(value.strip())
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.run_until_complete(asyncio.sleep(0.01))
        self._loop.close()

    def start(self) -> HostRecorder:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def recorder() -> Iterator[HostRecorder]:
    srv = HostRecorder().start()
    yield srv
    srv.stop()


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        try:
            return ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
        except ValueError:
            return False
    return isinstance(address, (str, bytes))  # a Unix socket path


@pytest.fixture(autouse=True)
def guarded_connect(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Refuse every non-loopback connect before it reaches the kernel; list the attempts."""
    return refuse_remote_connects(monkeypatch)


def refuse_remote_connects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Patch ``socket.connect``/``connect_ex`` to refuse (and list) any non-loopback
    address, so that a regression can never send a packet off this machine."""
    attempts: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            attempts.append(address)
            raise PermissionError(f"test guard: refused a connection to {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _is_loopback(address):
            attempts.append(address)
            raise PermissionError(f"test guard: refused a connection to {address!r}")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return attempts


class FakeResolver:
    """``socket.getaddrinfo`` stand-in: fixed answers per name, every call counted."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers  # name -> one address list per successive lookup
        self.calls: list[str] = []

    def __call__(self, host: object, port: object, *args: object, **kwargs: object) -> list:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            self.calls.append(name)
        else:  # numeric: what the real resolver does without a lookup
            return self._entries([name], port)
        rounds = self.answers.get(name)
        if not rounds:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addrs = rounds[min(len(self.calls_for(name)) - 1, len(rounds) - 1)]
        return self._entries(addrs, port)

    def calls_for(self, name: str) -> list[str]:
        return [c for c in self.calls if c == name]

    @staticmethod
    def _entries(addrs: list[str], port: object) -> list:
        out = []
        for addr in addrs:
            if ":" in addr:
                out.append(
                    (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (addr, int(port or 0), 0, 0))
                )
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, int(port or 0))))
        return out


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    fake = FakeResolver({})
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def test_a_dot_localhost_name_is_never_looked_up_and_reaches_127_0_0_1(
    recorder: HostRecorder, resolver: FakeResolver, guarded_connect: list[object]
) -> None:
    # A hosts entry (here: the fake resolver) maps the name to another machine.
    resolver.answers["foo.localhost"] = [[REMOTE_V4]]
    url = f"http://foo.localhost:{recorder.port}/"
    result = bench(url, config=QUICK, runs=1, isolation="loop", progress=False, save=False)
    assert result.runs[0].errors == 0
    assert result.runs[0].ok_ops > 0
    assert resolver.calls == []
    assert guarded_connect == []
    assert set(recorder.hosts) == {f"foo.localhost:{recorder.port}"}


def test_a_name_that_resolves_to_another_machine_is_refused_before_connecting(
    recorder: HostRecorder, resolver: FakeResolver, guarded_connect: list[object]
) -> None:
    resolver.answers["localhost.localdomain"] = [[REMOTE_V4]]
    url = f"http://localhost.localdomain:{recorder.port}/"
    with pytest.raises(TargetError, match=r"192\.0\.2\.10.*not loopback"):
        bench(url, config=QUICK, runs=1, isolation="loop", progress=False, save=False)
    assert guarded_connect == []
    assert recorder.hosts == []


def test_one_remote_address_among_loopback_ones_is_refused(resolver: FakeResolver) -> None:
    from codeflash_lab.targets import resolve_loopback

    resolver.answers["localhost.localdomain"] = [["127.0.0.1", REMOTE_V6]]
    with pytest.raises(TargetError, match=r"2001:db8::10"):
        resolve_loopback("http://localhost.localdomain:8999/", allow_remote=False)


def test_the_name_is_resolved_once_and_every_connection_goes_to_the_checked_address(
    recorder: HostRecorder, resolver: FakeResolver, guarded_connect: list[object]
) -> None:
    # DNS rebinding: the first answer is loopback, every later one is not.
    resolver.answers["localhost.localdomain"] = [["127.0.0.1"], [REMOTE_V4]]
    url = f"http://localhost.localdomain:{recorder.port}/"
    config = QUICK.replace(concurrency=4)
    result = bench(url, config=config, runs=2, isolation="loop", progress=False, save=False)
    assert [r.errors for r in result.runs] == [0, 0]
    assert resolver.calls == ["localhost.localdomain"]
    assert guarded_connect == []
    assert set(recorder.hosts) == {f"localhost.localdomain:{recorder.port}"}


def test_the_checked_target_is_json_and_round_trips() -> None:
    from codeflash_lab.targets import CheckedTarget, resolve_loopback

    checked = resolve_loopback("http://api.localhost:8080/items?x=1")
    doc = json.loads(json.dumps(checked.to_dict()))
    assert CheckedTarget.from_dict(doc) == checked
    assert (checked.addr, checked.port, checked.host_header) == (
        "127.0.0.1",
        8080,
        "api.localhost:8080",
    )


def test_a_fully_qualified_dot_localhost_name_is_not_looked_up_either(
    resolver: FakeResolver,
) -> None:
    from codeflash_lab.targets import resolve_loopback

    checked = resolve_loopback("http://App.Localhost.:9000/")
    assert (checked.addr, checked.host_header, resolver.calls) == (
        "127.0.0.1",
        "app.localhost:9000",
        [],
    )


def test_an_ipv6_loopback_literal_connects_to_itself() -> None:
    from codeflash_lab.targets import resolve_loopback

    checked = resolve_loopback("http://[::1]:8080/")
    assert (checked.addr, checked.host_header) == ("::1", "[::1]:8080")


def test_a_remote_name_with_allow_remote_is_resolved_once_to_the_address_used(
    resolver: FakeResolver,
) -> None:
    from codeflash_lab.targets import resolve_loopback

    resolver.answers["svc.example"] = [[REMOTE_V4], ["127.0.0.1"]]
    checked = resolve_loopback("https://svc.example/", allow_remote=True)
    assert (checked.addr, checked.port, checked.loopback) == (REMOTE_V4, 443, False)
    assert checked.host_header == "svc.example"
    assert resolver.calls == ["svc.example"]


def test_an_injected_resolver_replaces_the_system_one(resolver: FakeResolver) -> None:
    from codeflash_lab.targets import resolve_loopback

    seen: list[tuple[str, int]] = []

    def lookup(host: str, port: int) -> list[str]:
        seen.append((host, port))
        return ["127.0.0.2"]

    checked = resolve_loopback("http://box.lan:81/", allow_remote=True, resolver=lookup)
    assert (checked.addr, checked.loopback, seen) == ("127.0.0.2", True, [("box.lan", 81)])
    assert resolver.calls == []


SITECUSTOMIZE = textwrap.dedent(
    """
    import ipaddress, socket

    def _fake(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            with open({log!r}, "a") as fh:
                fh.write(name + "\\n")
            addr = "192.0.2.10"
        else:
            addr = name
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        sa = (addr, int(port or 0), 0, 0) if fam == socket.AF_INET6 else (addr, int(port or 0))
        return [(fam, socket.SOCK_STREAM, 6, "", sa)]

    _real = socket.socket.connect

    def _connect(self, address):
        if isinstance(address, tuple) and not ipaddress.ip_address(address[0]).is_loopback:
            raise PermissionError("test guard: refused " + repr(address))
        return _real(self, address)

    socket.getaddrinfo = _fake
    socket.socket.connect = _connect
    """
)


def test_cli_bench_in_fresh_processes_never_looks_up_a_dot_localhost_name(
    recorder: HostRecorder, tmp_path: Path
) -> None:
    # Every process of the run (the CLI and each measuring child) gets the fake
    # resolver and the connect guard through sitecustomize.
    site = tmp_path / "site"
    site.mkdir()
    log = tmp_path / "lookups.txt"
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(log=str(log)))
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {"PYTHONPATH": os.pathsep.join(paths), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "bench", f"http://foo.localhost:{recorder.port}/",
         "--runs", "1", "--min-run", "0.2", "--warmup", "0.05", "--no-save", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["errors"] == 0
    assert not log.exists()
    assert set(recorder.hosts) == {f"foo.localhost:{recorder.port}"}
