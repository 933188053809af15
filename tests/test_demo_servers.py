"""The demo's server processes: start on loopback, answer, stop, leave nothing behind."""

from __future__ import annotations

import json
import os
import socket
import urllib.request
from pathlib import Path

import psutil
import pytest

from codeflash_lab.demo.catalog import SERVICE_DIR
from codeflash_lab.demo.servers import DemoServers, check_port_free
from codeflash_lab.errors import DemoError


def _children() -> list[psutil.Process]:
    return [p for p in psutil.Process(os.getpid()).children(recursive=True) if p.is_running()]


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.mark.slow
def test_servers_answer_on_loopback_and_stop_on_exit(tmp_path: Path) -> None:
    before = {p.pid for p in _children()}
    with DemoServers(tmp_path / "logs") as servers:
        upstream = servers.start_upstream(SERVICE_DIR, latency_ms=1)
        service = servers.start_service("service", SERVICE_DIR, upstream_url=upstream.url)
        assert upstream.url.startswith("http://127.0.0.1:")
        assert service.url.startswith("http://127.0.0.1:")
        assert _get(service.url + "/health") == {"ok": True}
        body = _get(service.url + "/process?skus=a1,b2")
        assert [line["sku"] for line in body["lines"]] == ["a1", "b2"]  # type: ignore[index]
        assert {upstream.pid, service.pid} <= {p.pid for p in _children()}
        assert len(servers.running) == 2
        for handle in servers.running:
            listening = [
                c.laddr
                for c in psutil.Process(handle.pid).net_connections(kind="inet")
                if c.status == psutil.CONN_LISTEN
            ]
            assert listening, f"{handle.name} listens nowhere"
            assert {addr.ip for addr in listening} == {"127.0.0.1"}, "never leave loopback"
    assert servers.running == ()
    assert {p.pid for p in _children()} <= before


@pytest.mark.slow
def test_servers_are_stopped_when_the_block_fails(tmp_path: Path) -> None:
    servers = DemoServers(tmp_path / "logs")
    pids: list[int] = []

    def fail_while_running() -> None:
        with servers:
            pids.append(servers.start_upstream(SERVICE_DIR, latency_ms=1).pid)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_while_running()
    pid = pids[0]
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_port_in_use_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(DemoError, match=f"port {port} on 127.0.0.1 is already in use"):
            check_port_free(port)
        with DemoServers(tmp_path / "logs") as servers, pytest.raises(DemoError, match="in use"):
            servers.start_upstream(SERVICE_DIR, latency_ms=1, port=port)
        assert servers.running == ()


def test_bad_arguments_name_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="port"):
        check_port_free(70000)
    with pytest.raises(ValueError, match="latency_ms"):
        DemoServers(tmp_path).start_upstream(SERVICE_DIR, latency_ms=-1)


@pytest.mark.slow
def test_a_server_that_cannot_start_reports_its_error(tmp_path: Path) -> None:
    with DemoServers(tmp_path / "logs") as servers:
        with pytest.raises(DemoError, match="exited with code"):
            servers.start("broken", tmp_path, ["-m", "shopfront_missing_module"])
        assert servers.running == ()


@pytest.mark.parametrize(
    ("announced", "refused"),
    [("http://shop.example:8080", True), ("http://192.0.2.10:8080", True),
     ("http://seat.localhost:8080", False), ("http://127.0.0.1:8080", False)],
)  # fmt: skip
def test_a_server_that_announces_another_machine_is_refused_and_stopped(
    tmp_path: Path, announced: str, refused: bool
) -> None:
    # Every server the demo or the workshop starts goes through DemoServers.start, which
    # checks the announced URL without looking any name up.
    from codeflash_lab.errors import DemoError

    script = f"import time; print('READY {announced}', flush=True); time.sleep(60)"
    with DemoServers(tmp_path / "logs") as servers:
        if refused:
            with pytest.raises(DemoError, match="connect only to the servers they started"):
                servers.start("odd", tmp_path, ["-c", script])
            assert servers.running == ()  # the refused server was stopped
        else:
            handle = servers.start("odd", tmp_path, ["-c", script])
            assert handle.url == "http://127.0.0.1:8080"
