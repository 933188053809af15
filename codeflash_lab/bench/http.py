"""A lean HTTP/1.1 keep-alive client on asyncio, one connection per worker.

About a third of aiohttp's client CPU per request on the reference machine, so a
Python load generator leaves more of a small box to the server under test.
Connections go to the address :func:`codeflash_lab.targets.resolve_loopback` checked,
never to a name looked up again. The connection and the response parsing live in the
measuring child (``codeflash_lab/_child/_cflab_http.py``, standard library only), so a
run in-process and one in the project's interpreter send and read alike; here: the
request bytes, and the entry points that take a :class:`~codeflash_lab.targets.Target`.
"""

from __future__ import annotations

from collections.abc import Sequence

from codeflash_lab._child import _cflab_http
from codeflash_lab._child._cflab_http import HttpStatusError
from codeflash_lab.errors import TargetError
from codeflash_lab.targets import CheckedTarget, Target, resolve_loopback

__all__ = ["HttpConnection", "HttpStatusError", "build_request", "check_reachable", "checked_for"]


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


class HttpConnection(_cflab_http.HttpConnection):
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
        super().__init__(checked_for(target, checked).to_dict(), request, connect_timeout_s)
        self._target = target


async def check_reachable(
    target: Target, *, checked: CheckedTarget | None = None, timeout_s: float = 5.0
) -> None:
    """Open and close one connection to the target's checked address and port.

    Raises:
        TargetError: one line saying why the server cannot be reached (refused, timeout),
            or the host is not loopback and the target was not allowed to be remote.
    """
    where = checked_for(target, checked).to_dict()
    problem = await _cflab_http.check_reachable(target.spec, where, timeout_s)
    if problem is not None:
        raise TargetError(problem)
