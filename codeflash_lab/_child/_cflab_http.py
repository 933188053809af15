"""Measuring child: a keep-alive HTTP/1.1 client to an already checked address (stdlib only).

The parent checks the URL's host (loopback unless allowed) and sends the address it
checked, the port and the prebuilt request bytes; nothing here looks a name up.
The response parsing mirrors ``codeflash_lab.bench.http``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl


class HttpStatusError(Exception):
    """A response whose status is not 2xx (counted as an op error)."""


def ssl_context(checked):
    """The TLS context for an https target (no verification for loopback test servers)."""
    if checked.get("scheme") != "https":
        return None
    ctx = ssl.create_default_context()
    if checked.get("loopback"):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def server_name(checked):
    """The SNI name: the host when it is a name, else ``None``."""
    import ipaddress

    host = checked.get("host") or ""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host or None
    return None


def _parse_head(head):
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ConnectionError(f"not an HTTP response: {lines[0][:60]!r}")
    status = int(parts[1])
    length = None
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
        length = None
    return status, length, chunked, close


#: Parsed heads by their bytes (only a Date line changes between a benchmark's responses).
_HEADS = {}
_HEADS_MAX = 256
_BUF_SIZE = 64 * 1024


def _head_of(head):
    parsed = _HEADS.get(head)
    if parsed is None:
        parsed = _parse_head(head)
        if len(_HEADS) >= _HEADS_MAX:
            _HEADS.clear()
        _HEADS[head] = parsed
    return parsed


def _chunked_end(buf, pos, fill):
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
    """One response at a time, read into a reused buffer; completes the request's future."""

    def __init__(self, head_only):
        self.transport = None
        self.loop = asyncio.get_running_loop()
        self.buf = bytearray(_BUF_SIZE)
        self.view = memoryview(self.buf)
        self.fill = 0
        self.waiter = None
        self.head = None
        self.head_only = head_only
        self.lost = None

    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint):
        if len(self.buf) - self.fill < 4096:
            bigger = bytearray(len(self.buf) * 2)
            bigger[: self.fill] = self.view[: self.fill]
            self.view.release()
            self.buf, self.view = bigger, memoryview(bigger)
        return self.view[self.fill :]

    def buffer_updated(self, nbytes):
        self.fill += nbytes
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            try:
                self._try_complete(waiter, False)
            except Exception as exc:
                self._fail(waiter, exc)

    def eof_received(self):
        return False

    def connection_lost(self, exc):
        self.lost = exc or ConnectionResetError("connection closed by the server")
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            try:
                if not self._try_complete(waiter, True):
                    self._fail(waiter, self.lost)
            except Exception as err:
                self._fail(waiter, err)

    def _fail(self, waiter, exc):
        self.waiter = None
        self.close()
        waiter.set_exception(exc)

    def close(self):
        if self.lost is None:
            self.lost = ConnectionResetError("connection closed by the client")
        if self.transport is not None:
            self.transport.close()

    def _try_complete(self, waiter, eof):
        buf, fill = self.buf, self.fill
        if self.head is None:
            end = buf.find(b"\r\n\r\n", 0, fill)
            if end < 0:
                return False
            status, length, chunked, close = _head_of(bytes(self.view[: end + 4]))
            self.head = (end + 4, status, length, chunked, close)
        start, status, length, chunked, close = self.head
        if self.head_only or status in (204, 304) or 100 <= status < 200:
            done = start
        elif length is not None:
            done = start + length if fill >= start + length else None
        elif chunked:
            done = _chunked_end(buf, start, fill)
        else:
            done = fill if eof else None
            close = True
        if done is None:
            return False
        if done == fill:
            self.fill = 0
        else:
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
    """One keep-alive connection to the checked address; ``request()`` sends and reads one.

    On an open connection ``request()`` returns the request's future itself (no
    coroutine per request); otherwise a coroutine that connects first.
    """

    def __init__(self, checked, request, connect_timeout_s=5.0):
        self._checked = checked
        self._request = request
        self._ssl = ssl_context(checked)
        self._timeout = connect_timeout_s
        self._proto = None
        self._head_only = request.startswith(b"HEAD ")

    async def _connect(self):
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

    def request(self):
        proto = self._proto
        if proto is None or proto.lost is not None or proto.waiter is not None:
            return self._reconnect_and_send()
        return self._send(proto)

    def _send(self, proto):
        waiter = proto.loop.create_future()
        proto.waiter = waiter
        proto.transport.write(self._request)
        return waiter

    async def _reconnect_and_send(self):
        self._drop()
        return await self._send(await self._connect())

    def _drop(self):
        if self._proto is not None:
            self._proto.waiter = None
            self._proto.close()
        self._proto = None

    async def aclose(self):
        self._drop()
        await asyncio.sleep(0)


async def check_reachable(spec, checked, timeout_s=5.0):
    """Open and close one connection; a one-line error when the server cannot be reached."""
    import errno

    where = "{}:{}".format(checked.get("host"), checked.get("port"))
    if checked.get("addr") != checked.get("host"):
        where += " at {}".format(checked.get("addr"))
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
        return f"target {spec!r}: no answer from {where} within {timeout_s:g} s"
    except OSError as exc:
        refused = isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED
        reason = "connection refused" if refused else (exc.strerror or type(exc).__name__)
        return f"target {spec!r}: cannot connect to {where} ({reason})"
    writer.close()
    with contextlib.suppress(OSError, ConnectionError, ssl.SSLError):
        await writer.wait_closed()
    return None
