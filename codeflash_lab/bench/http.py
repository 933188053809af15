"""A lean HTTP/1.1 keep-alive client on asyncio streams, one connection per worker.

About a third of aiohttp's client CPU per request on the reference machine, so a
Python load generator leaves more of a small box to the server under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from collections.abc import Sequence

from codeflash_lab.errors import TargetError
from codeflash_lab.targets import Target

__all__ = ["HttpConnection", "HttpStatusError", "build_request", "check_reachable"]


class HttpStatusError(Exception):
    """A response whose status is not 2xx (counted as an op error, never raised to users)."""


def build_request(
    target: Target,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The request bytes, built once and reused for every op.

    Args:
        target: a URL target.
        method: HTTP method.
        body: request body (``Content-Length`` is set for it).
        headers: extra headers (a ``Host`` given here replaces the default one).

    Returns:
        The serialized request.
    """
    host = target.host or "127.0.0.1"
    default_port = 443 if target.scheme == "https" else 80
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]:{target.port}"
    lines = [f"{method.upper()} {target.url_path or '/'} HTTP/1.1"]
    names = {k.lower() for k, _ in headers}
    if "host" not in names:
        lines.append(f"Host: {host_header}")
    lines.append("Connection: keep-alive")
    lines.extend(f"{k}: {v}" for k, v in headers)
    if body is not None and "content-length" not in names:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


def _ssl_context(target: Target) -> ssl.SSLContext | None:
    if target.scheme != "https":
        return None
    ctx = ssl.create_default_context()
    if target.is_loopback:  # local test servers use self-signed certificates
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class HttpConnection:
    """One keep-alive connection; ``request()`` sends the prebuilt request and reads the reply.

    A reset or closed connection is reopened on the next request; the failed request
    itself raises (and is counted as an error by the driver). Non-2xx statuses raise
    :class:`HttpStatusError`.

    Args:
        target: a URL target.
        request: bytes from :func:`build_request`.
        connect_timeout_s: timeout for opening the connection.
    """

    def __init__(self, target: Target, request: bytes, *, connect_timeout_s: float = 5.0) -> None:
        self._target = target
        self._request = request
        self._ssl = _ssl_context(target)
        self._timeout = connect_timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._head_only = request.startswith(b"HEAD ")

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self._target.host, self._target.port, ssl=self._ssl),
            self._timeout,
        )

    async def request(self) -> int:
        """Send the request and read the whole response.

        Returns:
            The status code (2xx).

        Raises:
            HttpStatusError: the status is not 2xx.
            ConnectionError, OSError, asyncio.IncompleteReadError: the connection failed.
        """
        if self._writer is None:
            await self._connect()
        reader, writer = self._reader, self._writer
        assert reader is not None
        assert writer is not None
        try:
            writer.write(self._request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length, chunked, close = _parse_head(head)
            if self._head_only or status in (204, 304) or 100 <= status < 200:
                pass
            elif chunked:
                await _read_chunked(reader)
            elif length is not None:
                await reader.readexactly(length)
            else:
                await reader.read()
                close = True
        except BaseException:
            self._drop()
            raise
        if close:
            self._drop()
        if not 200 <= status < 300:
            raise HttpStatusError(f"HTTP {status}")
        return status

    def _drop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def aclose(self) -> None:
        """Close the connection (idempotent)."""
        writer = self._writer
        self._drop()
        if writer is not None:
            with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):
                await writer.wait_closed()


def _parse_head(head: bytes) -> tuple[int, int | None, bool, bool]:
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ConnectionError(f"not an HTTP response: {lines[0][:60]!r}")
    status = int(parts[1])
    length: int | None = None
    chunked = False
    close = parts[0] == b"HTTP/1.0"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value.strip())
        elif key == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif key == b"connection":
            token = value.strip().lower()
            close = token == b"close" or (close and token != b"keep-alive")
    return status, length, chunked, close


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            # trailers end with an empty line
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return
        await reader.readexactly(size + 2)


async def check_reachable(target: Target, *, timeout_s: float = 5.0) -> None:
    """Open and close one connection to the target's host and port.

    Raises:
        TargetError: one line saying why the server cannot be reached (refused, timeout).
    """
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(target.host, target.port, ssl=_ssl_context(target)),
            timeout_s,
        )
    except TimeoutError:
        raise TargetError(
            f"target {target.spec!r}: no answer from {target.host}:{target.port} "
            f"within {timeout_s:g} s"
        ) from None
    except OSError as exc:
        refused = isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED
        reason = "connection refused" if refused else (exc.strerror or type(exc).__name__)
        raise TargetError(
            f"target {target.spec!r}: cannot connect to {target.host}:{target.port} ({reason})"
        ) from None
    writer.close()
    with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):
        await writer.wait_closed()
