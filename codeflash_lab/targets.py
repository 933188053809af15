"""What a benchmark or profile measures: parse and resolve target specs.

A target is an async callable named ``package.module:function`` or
``path/to/file.py:function``, or an HTTP URL (loopback only unless allowed).
:func:`resolve_loopback` is the one place a URL's host becomes an address to
connect to: every HTTP client of the workbench connects to the address it checked.
The address checking itself (and :class:`CheckedTarget`, :func:`is_loopback_host`)
lives in :mod:`codeflash_lab._loopback` and is re-exported here.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from codeflash_lab._loopback import CheckedTarget, Resolver, check_host, is_loopback_host
from codeflash_lab.errors import TargetError

__all__ = [
    "CheckedTarget",
    "Resolver",
    "Target",
    "is_async_callable",
    "is_loopback_host",
    "parse_target",
    "resolve_callable",
    "resolve_loopback",
]

TargetKind = Literal["callable", "url"]


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed target spec (nothing imported or contacted yet).

    Attributes:
        spec: the text as given.
        kind: ``"callable"`` or ``"url"``.
        module: dotted module name for ``package.module:function`` specs.
        path: the file for ``path/to/file.py:function`` specs (as written).
        attr: the attribute path after the colon (``function`` or ``Class.method``).
        url: the URL for URL targets.
        scheme: ``http`` or ``https`` for URL targets.
        host: the host name or address for URL targets.
        port: the port for URL targets (default 80/443 filled in).
        url_path: path plus query (``/`` when empty) for URL targets.
        is_loopback: the URL's host is this machine.
    """

    spec: str
    kind: TargetKind
    module: str | None = None
    path: str | None = None
    attr: str | None = None
    url: str | None = None
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    url_path: str | None = None
    is_loopback: bool = False

    @property
    def label(self) -> str:
        """A short name for tables and file names (the spec itself)."""
        return self.spec

    def to_dict(self) -> dict[str, Any]:
        """The parsed fields as a JSON-ready dict."""
        return {
            "spec": self.spec,
            "kind": self.kind,
            "module": self.module,
            "path": self.path,
            "attr": self.attr,
            "url": self.url,
            "host": self.host,
            "port": self.port,
            "url_path": self.url_path,
            "is_loopback": self.is_loopback,
        }


def _parse_url(spec: str, allow_remote: bool) -> Target:
    parts = urlsplit(spec)
    if parts.scheme not in ("http", "https"):
        raise TargetError(f"target {spec!r}: only http:// and https:// URLs are supported")
    host = parts.hostname
    if not host:
        raise TargetError(f"target {spec!r}: the URL has no host")
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"target {spec!r}: bad port ({exc})") from None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    loopback = is_loopback_host(host)
    if not loopback and not allow_remote:
        raise TargetError(
            f"target {spec!r}: host {host!r} is not loopback; benchmarking another machine "
            "needs --allow-remote (allow_remote=True)"
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(
        spec=spec,
        kind="url",
        url=spec,
        scheme=parts.scheme,
        host=host,
        port=port,
        url_path=path,
        is_loopback=loopback,
    )


def parse_target(spec: str, *, allow_remote: bool = False) -> Target:
    """Parse a target spec without importing or contacting anything.

    Args:
        spec: ``package.module:function``, ``path/to/file.py:function`` (the attribute may be
            dotted, ``Class.method``) or ``http(s)://HOST:PORT/path``.
        allow_remote: accept URLs whose host is not loopback.

    Returns:
        The parsed :class:`Target`.

    Raises:
        TargetError: the spec has no recognisable form, or a URL is not loopback and
            ``allow_remote`` is false.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise TargetError(f"target {spec!r}: empty target; expected module:function or a URL")
    spec = spec.strip()
    if "://" in spec:
        return _parse_url(spec, allow_remote)
    head, sep, attr = spec.rpartition(":")
    if not sep or not head or not attr:
        raise TargetError(
            f"target {spec!r}: expected package.module:function, path/to/file.py:function "
            "or an http://127.0.0.1:PORT/path URL"
        )
    if not all(part.isidentifier() for part in attr.split(".")):
        raise TargetError(f"target {spec!r}: {attr!r} is not a function name")
    if head.endswith(".py") or "/" in head or os.sep in head:
        return Target(spec=spec, kind="callable", path=head, attr=attr)
    if not all(part.isidentifier() for part in head.split(".")):
        raise TargetError(f"target {spec!r}: {head!r} is not a module name")
    return Target(spec=spec, kind="callable", module=head, attr=attr)


def resolve_loopback(
    url: str | Target, *, allow_remote: bool = False, resolver: Resolver | None = None
) -> CheckedTarget:
    """Check a URL's host and return the one address every connection must use.

    ``localhost`` and ``*.localhost`` are never looked up: they are 127.0.0.1. An IP
    address is used as written. Any other name is looked up once; without
    ``allow_remote`` every address it stands for must be loopback. Connecting to
    the returned :attr:`CheckedTarget.addr` (with the original ``Host`` header)
    means a later answer for the same name can never redirect the traffic.

    Args:
        url: an ``http(s)://`` URL or a parsed URL :class:`Target`.
        allow_remote: accept hosts that are not this machine.
        resolver: ``(host, port) -> addresses`` (default: the system resolver).

    Returns:
        The checked target.

    Raises:
        TargetError: not a URL, the name cannot be resolved, or an address is not
            loopback and ``allow_remote`` is false.
    """
    target = url if isinstance(url, Target) else parse_target(url, allow_remote=allow_remote)
    if target.kind != "url" or not target.host or target.port is None:
        raise TargetError(f"target {target.spec!r}: not a URL")
    return check_host(
        target.spec,
        url=target.url or target.spec,
        scheme=target.scheme or "http",
        host=target.host,
        port=target.port,
        allow_remote=allow_remote,
        resolver=resolver,
    )


def is_async_callable(obj: object) -> bool:
    """True for ``async def`` functions, partials of them and objects with an async ``__call__``."""
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(obj, "__call__", None)  # noqa: B004 - the attribute itself is inspected
    return call is not None and not inspect.isclass(obj) and inspect.iscoroutinefunction(call)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _add_to_path(folder: Path, *, first: bool = False) -> None:
    # Like running a script or ``python -m``: the folder stays importable so the
    # target's own sibling imports (also lazy ones, at call time) keep working.
    entry = str(folder)
    if first and entry in sys.path:
        sys.path.remove(entry)
    if entry not in sys.path:
        sys.path.insert(0, entry)


def _package_name(file: Path) -> tuple[Path, str] | None:
    """For a file inside a package: the folder above the top package and the dotted name."""
    parts = [file.stem] if file.name != "__init__.py" else []
    folder = file.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if not parts or folder == file.parent or not all(p.isidentifier() for p in parts):
        return None
    return folder, ".".join(parts)


def _load_file(spec: str, file: Path) -> Any:
    if not file.is_file():
        raise TargetError(f"target {spec!r}: file {str(file)!r} does not exist")
    in_package = _package_name(file)
    if in_package is not None:
        # Imported by its package name so relative imports work; the folder holding the
        # top package goes first on sys.path, ahead of any installed copy.
        root, dotted = in_package
        module = _load_module(spec, dotted, root)
        loaded = Path(getattr(module, "__file__", "") or "").resolve()
        if loaded != file:
            raise TargetError(
                f"target {spec!r}: {dotted!r} was already imported from {str(loaded)!r}, "
                f"not {str(file)!r}"
            )
        return module
    digest = hashlib.sha1(str(file).encode(), usedforsecurity=False).hexdigest()[:10]
    name = f"_codeflash_target_{file.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        raise TargetError(f"target {spec!r}: cannot load {str(file)!r} as Python")
    module = importlib.util.module_from_spec(module_spec)
    _add_to_path(file.parent)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(
            f"target {spec!r}: importing {str(file)!r} failed ({_first_line(exc)})"
        ) from None
    return module


def _load_module(spec: str, name: str, cwd: Path) -> Any:
    _add_to_path(cwd, first=True)
    try:
        return importlib.import_module(name)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise TargetError(f"target {spec!r}: cannot import {name!r} ({_first_line(exc)})") from None


def resolve_callable(
    spec: str | Target, *, cwd: str | os.PathLike[str] | None = None
) -> Callable[..., Awaitable[Any]]:
    """Import a callable target and return the async callable it names.

    Args:
        spec: ``package.module:function`` or ``path/to/file.py:function`` (or a parsed
            :class:`Target` of kind ``callable``).
        cwd: folder that relative file paths and top-level modules are resolved from
            (default: the current folder); it is put on ``sys.path`` like ``python -m`` does.

    Returns:
        The async callable.

    Raises:
        TargetError: one line naming the target when it cannot be parsed, imported or found,
            or when what it names is not an async callable.
    """
    target = spec if isinstance(spec, Target) else parse_target(spec)
    if target.kind != "callable" or target.attr is None:
        raise TargetError(f"target {target.spec!r}: a URL is not a Python callable")
    base = Path(cwd) if cwd is not None else Path.cwd()
    if target.path is not None:
        file = Path(target.path)
        if not file.is_absolute():
            file = base / file
        obj = _load_file(target.spec, file.resolve())
    else:
        assert target.module is not None
        obj = _load_module(target.spec, target.module, base.resolve())
    for part in target.attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(
                f"target {target.spec!r}: {part!r} not found in {getattr(obj, '__name__', obj)!r}"
            ) from None
    if not is_async_callable(obj):
        kind = type(obj).__name__
        raise TargetError(
            f"target {target.spec!r}: {target.attr!r} is a {kind}, not an async callable "
            "(async def)"
        )
    return obj  # type: ignore[no-any-return]
