"""A lean HTTP/1.1 keep-alive client to an already checked address, one connection per worker.

Standard library only, Python 3.9 syntax (see ``_cflab_drivers``): the measuring child
loads this file by path, and ``codeflash_lab.bench.http`` builds on it in-process. About
a third of aiohttp's client CPU per request on the reference machine, so a Python load
generator leaves more of a small box to the server under test.

The caller checks the URL's host (loopback unless allowed) and passes the checked
address as a mapping (``CheckedTarget.to_dict()``: ``scheme``, ``host``, ``addr``,
``port``, ``loopback``) with the prebuilt request bytes; nothing here looks a name up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names for annotations only: the child also starts on Python 3.8
    from collections.abc import Awaitable, Mapping

    #: ``(status, content_length, chunked, close)`` of a parsed response head.
    Head = tuple[int, int | None, bool, bool]


class HttpStatusError(Exception):
    """A response whose status is not 2xx (counted as an op error, never raised to users)."""


def ssl_context(checked: Mapping[str, Any]) -> ssl.SSLContext | None:
    """The TLS context for an https target (no verification for loopback test servers)."""
    if checked.get("scheme") != "https":
        return None
    ctx = ssl.create_default_context()
    if checked.get("loopback"):
        ctx.check_hostname = False  # local test servers use self-signed certificates
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def server_name(checked: Mapping[str, Any]) -> str | None:
    """The TLS server name (SNI): the host when it is a name, else ``None``."""
    import ipaddress

    host = str(checked.get("host") or "")
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return host or None
    return None


def _parse_head(head: bytes) -> Head:
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


#: Parsed response heads by their bytes: a benchmark gets the same few heads over and over
#: (only a ``Date`` line changes, once a second), so most responses skip parsing.
_HEADS: dict[bytes, Head] = {}
_HEADS_MAX = 256
_BUF_SIZE = 64 * 1024


def _head_of(head: bytes) -> Head:
    parsed = _HEADS.get(head)
    if parsed is None:
        parsed = _parse_head(head)
        if len(_HEADS) >= _HEADS_MAX:
            _HEADS.clear()
        _HEADS[head] = parsed
    return parsed


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


class HttpConnection:
    """One keep-alive connection; ``request()`` sends the prebuilt request and reads the reply.

    A reset or closed connection is reopened on the next request; the failed request
    itself raises (and is counted as an error by the driver). Non-2xx statuses raise
    :class:`HttpStatusError`.

    Args:
        checked: the checked address to connect to (``CheckedTarget.to_dict()``).
        request: the serialized request (``codeflash_lab.bench.http.build_request``).
        connect_timeout_s: timeout for opening the connection.
    """

    def __init__(
        self, checked: Mapping[str, Any], request: bytes, connect_timeout_s: float = 5.0
    ) -> None:
        self._checked = checked
        self._request = request
        self._ssl = ssl_context(checked)
        self._timeout = connect_timeout_s
        self._proto: _ResponseProtocol | None = None
        self._head_only = request.startswith(b"HEAD ")

    async def _connect(self) -> _ResponseProtocol:
        loop = asyncio.get_running_loop()
        _, proto = await asyncio.wait_for(
            loop.create_connection(
                lambda: _ResponseProtocol(self._head_only),
                self._checked["addr"],
                int(self._checked["port"]),
                ssl=self._ssl,
                server_hostname=server_name(self._checked) if self._ssl else None,
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


def _where(checked: Mapping[str, Any]) -> str:
    host, addr = str(checked.get("host") or ""), checked.get("addr")
    shown = f"[{host}]" if ":" in host else host
    via = f" at {addr}" if addr != host else ""
    return f"{shown}:{checked.get('port')}{via}"


async def check_reachable(
    spec: str, checked: Mapping[str, Any], timeout_s: float = 5.0
) -> str | None:
    """Open and close one connection to the checked address and port.

    Returns:
        ``None`` when the server answered, else one line saying why it cannot be reached
        (refused, timeout), naming the target ``spec``.
    """
    import errno

    ctx = ssl_context(checked)
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                checked["addr"],
                int(checked["port"]),
                ssl=ctx,
                server_hostname=server_name(checked) if ctx else None,
            ),
            timeout_s,
        )
    except asyncio.TimeoutError:  # noqa: UP041 - not the builtin before Python 3.11
        return f"target {spec!r}: no answer from {_where(checked)} within {timeout_s:g} s"
    except OSError as exc:
        refused = isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED
        reason = "connection refused" if refused else (exc.strerror or type(exc).__name__)
        return f"target {spec!r}: cannot connect to {_where(checked)} ({reason})"
    writer.close()
    with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):
        await writer.wait_closed()
    return None
