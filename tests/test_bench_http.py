"""The lean HTTP/1.1 client against a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from _loopback_server import LoopbackServer

from codeflash_lab.bench.http import HttpConnection, HttpStatusError, build_request, check_reachable
from codeflash_lab.errors import TargetError
from codeflash_lab.targets import parse_target


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


def _call(url: str, times: int = 1, **request: object) -> list[object]:
    target = parse_target(url)

    async def go() -> list[object]:
        conn = HttpConnection(target, build_request(target, **request))  # type: ignore[arg-type]
        out: list[object] = []
        try:
            for _ in range(times):
                try:
                    out.append(await conn.request())
                except Exception as exc:
                    out.append(exc)
        finally:
            await conn.aclose()
        return out

    return asyncio.run(go())


def test_build_request_sets_host_and_length() -> None:
    target = parse_target("http://127.0.0.1:8080/items?x=1")
    raw = build_request(target, method="post", body=b"abc", headers=[("X-Token", "t")])
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /items?x=1 HTTP/1.1"
    assert b"Host: 127.0.0.1:8080" in lines
    assert b"Content-Length: 3" in lines
    assert b"X-Token: t" in lines
    assert body == b"abc"


def test_keep_alive_requests_succeed(server: LoopbackServer) -> None:
    assert _call(server.url + "/ok", times=5) == [200] * 5


def test_chunked_response_is_read_whole(server: LoopbackServer) -> None:
    assert _call(server.url + "/chunked", times=3) == [200] * 3


def test_post_with_body(server: LoopbackServer) -> None:
    assert _call(server.url + "/echo", times=2, method="POST", body=b"hello") == [200, 200]


def test_non_2xx_is_an_error_and_the_connection_stays_usable(server: LoopbackServer) -> None:
    out = _call(server.url + "/status/500", times=2)
    assert all(isinstance(e, HttpStatusError) for e in out)
    assert "HTTP 500" in str(out[0])


def test_reachability_check(server: LoopbackServer) -> None:
    asyncio.run(check_reachable(parse_target(server.url + "/ok")))
    closed = LoopbackServer().start()
    url = closed.url
    closed.stop()
    with pytest.raises(TargetError, match="connection refused"):
        asyncio.run(check_reachable(parse_target(url + "/ok")))
