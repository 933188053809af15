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


def test_a_body_larger_than_the_read_buffer(server: LoopbackServer) -> None:
    big = bytes(range(256)) * 1024  # 256 KiB, four times the reused buffer
    assert _call(server.url + "/echo", times=3, method="POST", body=big) == [200] * 3


def test_a_cancelled_request_never_hands_its_reply_to_the_next(server: LoopbackServer) -> None:
    target = parse_target(server.url + "/slow")

    async def go() -> tuple[object, int, int, bool]:
        conn = HttpConnection(target, build_request(target))
        try:
            first = await conn.request()
            used = conn._proto
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(conn.request(), 0.001)  # its reply comes later
            second = await conn.request()
            return first, second, await conn.request(), conn._proto is not used
        finally:
            await conn.aclose()

    # The late reply stays on the old connection: the next request opens a new one.
    assert asyncio.run(go()) == (200, 200, 200, True)


def _child_http():  # the measuring child's copy, loaded by path as the child loads it
    import importlib.util
    from pathlib import Path

    import codeflash_lab

    path = Path(codeflash_lab.__file__).parent / "_child" / "_cflab_http.py"
    spec = importlib.util.spec_from_file_location("_cflab_http_under_test", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_measuring_childs_copy_reads_the_same_answers(server: LoopbackServer) -> None:
    from codeflash_lab.targets import resolve_loopback

    http = _child_http()

    async def go(path: str, times: int, **request: object) -> list[object]:
        target = parse_target(server.url + path)
        checked = resolve_loopback(target).to_dict()
        conn = http.HttpConnection(checked, build_request(target, **request))  # type: ignore[arg-type]
        out: list[object] = []
        try:
            for _ in range(times):
                try:
                    out.append(await conn.request())
                except Exception as exc:
                    out.append(type(exc).__name__)
        finally:
            await conn.aclose()
        return out

    assert asyncio.run(go("/ok", 3)) == [200] * 3
    assert asyncio.run(go("/chunked", 2)) == [200] * 2
    assert asyncio.run(go("/status/500", 2)) == ["HttpStatusError"] * 2
    big = b"x" * (200 * 1024)
    assert asyncio.run(go("/echo", 2, method="POST", body=big)) == [200] * 2
