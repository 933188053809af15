"""The loopback guard: turn a URL's host into one checked address to connect to.

Standard library and :mod:`codeflash_lab.errors` only. :func:`check_host` looks a
name up at most once (``localhost`` and ``*.localhost`` never) and, unless remote
hosts are allowed, refuses any answer that is not this machine; the resulting
:class:`CheckedTarget` carries the address every connection must use.
:func:`codeflash_lab.targets.resolve_loopback` is the public entry point.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codeflash_lab.errors import TargetError

__all__ = ["CheckedTarget", "Resolver", "check_host", "is_loopback_host"]


def is_loopback_host(host: str) -> bool:
    """True when ``host`` names this machine (``localhost`` or a loopback address).

    Args:
        host: a host name or an IPv4/IPv6 address (brackets allowed).
    """
    name = host.strip("[]").rstrip(".").lower()
    if name in ("localhost", "localhost.localdomain") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


#: ``(host, port) -> addresses``: how :func:`check_host` looks a name up.
Resolver = Callable[[str, int], Sequence[str]]


@dataclass(frozen=True, slots=True)
class CheckedTarget:
    """A URL target whose host was checked: connect to :attr:`addr`, never to the name.

    JSON-ready (:meth:`to_dict`), so a measuring child or a load worker gets the
    address that was checked instead of looking the name up again.

    Attributes:
        url: the URL as given.
        scheme: ``http`` or ``https``.
        host: the URL's host as written (lower case, no brackets).
        addr: the IP address to connect to.
        port: the port (default 80/443 filled in).
        host_header: the ``Host`` header to send (the URL's host and non-default port).
        loopback: every address the host stood for is this machine.
    """

    url: str
    scheme: str
    host: str
    addr: str
    port: int
    host_header: str
    loopback: bool

    @property
    def server_name(self) -> str | None:
        """The TLS server name (SNI): the host when it is a name, else ``None``."""
        return None if _ip(self.host) is not None else self.host

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return {
            "url": self.url,
            "scheme": self.scheme,
            "host": self.host,
            "addr": self.addr,
            "port": self.port,
            "host_header": self.host_header,
            "loopback": self.loopback,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckedTarget:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            url=str(data["url"]),
            scheme=str(data["scheme"]),
            host=str(data["host"]),
            addr=str(data["addr"]),
            port=int(data["port"]),
            host_header=str(data["host_header"]),
            loopback=bool(data["loopback"]),
        )


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _is_localhost_name(name: str) -> bool:
    # RFC 6761 section 6.3: these names are this machine and are never sent to a resolver.
    return name == "localhost" or name.endswith(".localhost")


def _system_resolver(host: str, port: int) -> list[str]:
    # ``socket.getaddrinfo`` is looked up at call time, so patching it still takes effect.
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_host(
    spec: str,
    *,
    url: str,
    scheme: str,
    host: str,
    port: int,
    allow_remote: bool = False,
    resolver: Resolver | None = None,
) -> CheckedTarget:
    """Check a parsed URL's host and return the one address every connection must use.

    The rules are those of :func:`codeflash_lab.targets.resolve_loopback`, which parses
    the URL and calls this.

    Args:
        spec: the target spec, named in error messages.
        url: the URL as given.
        scheme: ``http`` or ``https``.
        host: the URL's host (any case, brackets and a trailing dot allowed).
        port: the port (default 80/443 already filled in).
        allow_remote: accept hosts that are not this machine.
        resolver: ``(host, port) -> addresses`` (default: the system resolver).

    Returns:
        The checked target.

    Raises:
        TargetError: the name cannot be resolved, or an address is not loopback and
            ``allow_remote`` is false.
    """
    host = host.strip("[]").rstrip(".").lower()
    literal = _ip(host)
    if _is_localhost_name(host):
        addrs = ["127.0.0.1"]
    elif literal is not None:
        addrs = [str(literal)]
    else:
        try:
            addrs = list(dict.fromkeys((resolver or _system_resolver)(host, port)))
        except (OSError, UnicodeError) as exc:
            raise TargetError(f"target {spec!r}: cannot resolve {host!r} ({exc})") from None
        if not addrs:
            raise TargetError(f"target {spec!r}: {host!r} resolved to no address")
    remote = [a for a in addrs if (ip := _ip(a)) is None or not ip.is_loopback]
    if remote and not allow_remote:
        raise TargetError(
            f"target {spec!r}: {host!r} resolves to {', '.join(remote)}, not loopback; "
            "benchmarking another machine needs --allow-remote (allow_remote=True)"
        )
    default_port = 443 if scheme == "https" else 80
    shown = f"[{host}]" if ":" in host else host
    return CheckedTarget(
        url=url,
        scheme=scheme,
        host=host,
        addr=addrs[0],
        port=port,
        host_header=shown if port == default_port else f"{shown}:{port}",
        loopback=not remote,
    )
