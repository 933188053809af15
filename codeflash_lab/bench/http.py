"""A lean HTTP/1.1 keep-alive client on asyncio streams, one connection per worker.

About a third of aiohttp's client CPU per request on the reference machine, so a
Python load generator leaves more of a small box to the server under test.
Connections go to the address :func:`codeflash_lab.targets.resolve_loopback` checked,
never to a name looked up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from collections.abc import Awaitable, Sequence

from codeflash_lab.errors import TargetError
from codeflash_lab.targets import CheckedTarget, Target, resolve_loopback

__all__ = ["HttpConnection", "HttpStatusError", "build_request", "check_reachable", "checked_for"]


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


def checked_for(target: Target, checked: CheckedTarget | None = None) -> CheckedTarget:
    """``checked`` when given, else the target's host checked now (once).

    A target parsed without ``allow_remote`` is checked as loopback-only; one that
    is not loopback by its spelling was accepted with ``allow_remote``.
    """
    if checked is not None:
        return checked
    return resolve_loopback(target, allow_remote=not target.is_loopback)


def _ssl_context(checked: CheckedTarget) -> ssl.SSLContext | None:
    if checked.scheme != "https":
        return None
    ctx = ssl.create_default_context()
    if checked.loopback:  # local test servers use self-signed certificates
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


#: Parsed response heads by their bytes: a benchmark gets the same few heads over and over
#: (only a ``Date`` line changes, once a second), so most responses skip parsing.
_HEADS: dict[bytes, tuple[int, int | None, bool, bool]] = {}
_HEADS_MAX = 256
_BUF_SIZE = 64 * 1024


def _head_of(head: bytes) -> tuple[int, int | None, bool, bool]:
    parsed = _HEADS.get(head)
    if parsed is None:
        parsed = _parse_head(head)
        if len(_HEADS) >= _HEADS_MAX:
            _HEADS.clear()
        _HEADS[head] = parsed
    return parsed


class _ResponseProtocol(asyncio.BufferedProtocol):
    """Reads one response at a time into a reused buffer and completes a future with it.

    Kept lean because the client's CPU per request adds to every request's latency in a
    closed loop: the socket is read straight into a preallocated buffer (no bytes object
    per read), a head seen before is not parsed again, and the request's future is
    completed here, status checked, so the caller awaits it with no coroutine of its own.
    """

    def __init__(self, head_only: bool) -> None:
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.buf = bytearray(_BUF_SIZE)
        self.view = memoryview(self.buf)
        self.fill = 0
        self.waiter: asyncio.Future[int] | None = None
        self.head: tuple[int, int, int | None, bool, bool] | None = None
        self.head_only = head_only
        self.lost: BaseException | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> memoryview:
        if len(self.buf) - self.fill < 4096:  # a large response: grow (rare)
            bigger = bytearray(len(self.buf) * 2)
            bigger[: self.fill] = self.view[: self.fill]
            self.view.release()
            self.buf, self.view = bigger, memoryview(bigger)
        return self.view[self.fill :]

    def buffer_updated(self, nbytes: int) -> None:
        self.fill += nbytes
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            try:
                self._try_complete(waiter, eof=False)
            except Exception as exc:
                self._fail(waiter, exc)

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionResetError("connection closed by the server")
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            try:
                if not self._try_complete(waiter, eof=True):
                    self._fail(waiter, self.lost)
            except Exception as err:
                self._fail(waiter, err)

    def _fail(self, waiter: asyncio.Future[int], exc: BaseException) -> None:
        self.waiter = None
        self.close()
        waiter.set_exception(exc)

    def close(self) -> None:
        """Close the connection; the next request opens a new one."""
        if self.lost is None:
            self.lost = ConnectionResetError("connection closed by the client")
        if self.transport is not None:
            self.transport.close()

    def _try_complete(self, waiter: asyncio.Future[int], *, eof: bool) -> bool:
        buf, fill = self.buf, self.fill
        if self.head is None:
            end = buf.find(b"\r\n\r\n", 0, fill)
            if end < 0:
                return False
            status, length, chunked, close = _head_of(bytes(self.view[: end + 4]))
            self.head = (end + 4, status, length, chunked, close)
        start, status, length, chunked, close = self.head
        if self.head_only or status in (204, 304) or 100 <= status < 200:
            done: int | None = start
        elif length is not None:
            done = start + length if fill >= start + length else None
        elif chunked:
            done = _chunked_end(buf, start, fill)
        else:
            done = fill if eof else None  # body runs to the end of the connection
            close = True
        if done is None:
            return False
        if done == fill:
            self.fill = 0
        else:  # bytes past this response (never in a one-at-a-time client): keep them
            buf[: fill - done] = buf[done:fill]
            self.fill = fill - done
        self.head = None
        self.waiter = None
        if close:
            self.close()
        if 200 <= status < 300:
            waiter.set_result(status)
        else:
            waiter.set_exception(HttpStatusError(f"HTTP {status}"))
        return True


def _chunked_end(buf: bytearray, pos: int, fill: int) -> int | None:
    """End offset of a complete chunked body starting at ``pos``, or ``None`` if incomplete."""
    while True:
        line_end = buf.find(b"\r\n", pos, fill)
        if line_end < 0:
            return None
        size = int(bytes(buf[pos:line_end]).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            if fill >= line_end + 4 and buf[line_end + 2 : line_end + 4] == b"\r\n":
                return line_end + 4
            trailer_end = buf.find(b"\r\n\r\n", line_end, fill)
            return None if trailer_end < 0 else trailer_end + 4
        pos = line_end + 2 + size + 2
        if fill < pos:
            return None


class HttpConnection:
    """One keep-alive connection; ``request()`` sends the prebuilt request and reads the reply.

    A reset or closed connection is reopened on the next request; the failed request
    itself raises (and is counted as an error by the driver). Non-2xx statuses raise
    :class:`HttpStatusError`.

    Args:
        target: a URL target.
        request: bytes from :func:`build_request`.
        checked: the checked address to connect to (default: the target checked now).
        connect_timeout_s: timeout for opening the connection.
    """

    def __init__(
        self,
        target: Target,
        request: bytes,
        *,
        checked: CheckedTarget | None = None,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self._target = target
        self._checked = checked_for(target, checked)
        self._request = request
        self._ssl = _ssl_context(self._checked)
        self._timeout = connect_timeout_s
        self._proto: _ResponseProtocol | None = None
        self._head_only = request.startswith(b"HEAD ")

    async def _connect(self) -> _ResponseProtocol:
        loop = asyncio.get_running_loop()
        _, proto = await asyncio.wait_for(
            loop.create_connection(
                lambda: _ResponseProtocol(self._head_only),
                self._checked.addr,
                self._checked.port,
                ssl=self._ssl,
                server_hostname=self._checked.server_name if self._ssl else None,
            ),
            self._timeout,
        )
        self._proto = proto
        return proto

    def request(self) -> Awaitable[int]:
        """Send the request; await the result to read the whole response.

        On an open connection this returns the request's future itself (no coroutine
        per request); otherwise a coroutine that connects first.

        Returns:
            An awaitable of the status code (2xx).

        Raises (when awaited):
            HttpStatusError: the status is not 2xx.
            ConnectionError, OSError: the connection failed or was closed mid-response.
        """
        proto = self._proto
        if proto is None or proto.lost is not None or proto.waiter is not None:
            return self._reconnect_and_send()
        return self._send(proto)

    def _send(self, proto: _ResponseProtocol) -> asyncio.Future[int]:
        waiter: asyncio.Future[int] = proto.loop.create_future()
        proto.waiter = waiter
        proto.transport.write(self._request)  # type: ignore[union-attr]
        return waiter

    async def _reconnect_and_send(self) -> int:
        # A request still waiting (it was cancelled, e.g. by a timeout) leaves its reply
        # on the wire: that connection cannot be reused.
        self._drop()
        return await self._send(await self._connect())

    def _drop(self) -> None:
        if self._proto is not None:
            self._proto.waiter = None
            self._proto.close()
        self._proto = None

    async def aclose(self) -> None:
        """Close the connection (idempotent)."""
        self._drop()
        await asyncio.sleep(0)  # let the transport finish closing


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
    if chunked:
        length = None  # Transfer-Encoding wins over Content-Length (RFC 9112 6.3)
    return status, length, chunked, close


def _where(checked: CheckedTarget) -> str:
    shown = f"[{checked.host}]" if ":" in checked.host else checked.host
    via = f" at {checked.addr}" if checked.addr != checked.host else ""
    return f"{shown}:{checked.port}{via}"


async def check_reachable(
    target: Target, *, checked: CheckedTarget | None = None, timeout_s: float = 5.0
) -> None:
    """Open and close one connection to the target's checked address and port.

    Raises:
        TargetError: one line saying why the server cannot be reached (refused, timeout),
            or the host is not loopback and the target was not allowed to be remote.
    """
    checked = checked_for(target, checked)
    ctx = _ssl_context(checked)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                checked.addr,
                checked.port,
                ssl=ctx,
                server_hostname=checked.server_name if ctx else None,
            ),
            timeout_s,
        )
    except TimeoutError:
        raise TargetError(
            f"target {target.spec!r}: no answer from {_where(checked)} within {timeout_s:g} s"
        ) from None
    except OSError as exc:
        refused = isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED
        reason = "connection refused" if refused else (exc.strerror or type(exc).__name__)
        raise TargetError(
            f"target {target.spec!r}: cannot connect to {_where(checked)} ({reason})"
        ) from None
    writer.close()
    with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):
        await writer.wait_closed()
