"""Measuring child: resolve a ``module:function`` or ``file.py:function`` target (stdlib only).

The same rules as ``codeflash_lab.targets.resolve_callable``: the folder the target
is resolved from goes first on ``sys.path`` (like ``python -m``), a file inside a
package is imported by its dotted name so relative imports work, and a confined target
must come from inside the given folder. In a src layout, ``src/`` goes on ``sys.path``
right after that folder (ahead of an installed copy), so the project's own package is
importable even when it is not installed in its environment.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any


class TargetError(Exception):
    """The target cannot be parsed, imported or found, or is not an async callable."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _add_to_path(folder: str, first: bool = False) -> None:
    entry = str(folder)
    if first and entry in sys.path:
        sys.path.remove(entry)
    if entry not in sys.path:
        sys.path.insert(0, entry)


def _package_name(file: str) -> tuple[str, str] | None:
    stem = os.path.splitext(os.path.basename(file))[0]
    parts = [stem] if os.path.basename(file) != "__init__.py" else []
    folder = os.path.dirname(file)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    if not parts or folder == os.path.dirname(file) or not all(p.isidentifier() for p in parts):
        return None
    return folder, ".".join(parts)


def _load_module(spec: str, name: str, cwd: str) -> Any:
    _add_to_path(cwd, first=True)
    try:
        return importlib.import_module(name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        raise TargetError(f"target {spec!r}: cannot import {name!r} ({_first_line(exc)})") from None


def _load_file(spec: str, file: str) -> Any:
    if not os.path.isfile(file):
        raise TargetError(f"target {spec!r}: file {file!r} does not exist")
    in_package = _package_name(file)
    if in_package is not None:
        root, dotted = in_package
        module = _load_module(spec, dotted, root)
        loaded = os.path.realpath(getattr(module, "__file__", "") or "")
        if loaded != file:
            raise TargetError(
                f"target {spec!r}: {dotted!r} was already imported from {loaded!r}, not {file!r}"
            )
        return module
    digest = hashlib.sha1(file.encode()).hexdigest()[:10]
    name = f"_codeflash_target_{os.path.splitext(os.path.basename(file))[0]}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        raise TargetError(f"target {spec!r}: cannot load {file!r} as Python")
    module = importlib.util.module_from_spec(module_spec)
    _add_to_path(os.path.dirname(file))
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except KeyboardInterrupt:
        sys.modules.pop(name, None)
        raise
    except BaseException as exc:
        sys.modules.pop(name, None)
        raise TargetError(
            f"target {spec!r}: importing {file!r} failed ({_first_line(exc)})"
        ) from None
    return module


def is_async_callable(obj: object) -> bool:
    """True for ``async def`` functions, partials of them and objects with an async ``__call__``."""
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(obj, "__call__", None)  # noqa: B004 - the attribute itself is inspected
    return call is not None and not inspect.isclass(obj) and inspect.iscoroutinefunction(call)


def resolve(
    spec: str,
    path: str | None,
    module: str | None,
    attr: str,
    cwd: str | None,
    confine: str | None = None,
) -> Any:
    """The async callable a parsed callable target names.

    Args:
        spec: the spec text (for messages).
        path: the file of a ``file.py:function`` spec, or ``None``.
        module: the dotted module of a ``module:function`` spec, or ``None``.
        attr: the attribute path (``function`` or ``Class.method``).
        cwd: the folder the target is resolved from.
        confine: a folder the callable's source must be inside, or ``None``.
    """
    base = os.path.realpath(cwd or os.getcwd())
    src = os.path.join(base, "src")
    if os.path.isdir(src):
        _add_to_path(src, first=True)
        _add_to_path(base, first=True)
    if path is not None:
        file = path if os.path.isabs(path) else os.path.join(base, path)
        obj = _load_file(spec, os.path.realpath(file))
    else:
        obj = _load_module(spec, module or "", base)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(
                "target {!r}: {!r} not found in {!r}".format(
                    spec, part, getattr(obj, "__name__", obj)
                )
            ) from None
    if not is_async_callable(obj):
        raise TargetError(
            f"target {spec!r}: {attr!r} is a {type(obj).__name__}, not an async callable (async def)"
        )
    if confine is not None:
        try:
            source = inspect.getsourcefile(inspect.unwrap(obj))
        except TypeError:
            source = None
        root = os.path.realpath(confine)
        real = os.path.realpath(source) if source else ""
        if not source or os.path.commonpath([real, root]) != root:
            raise TargetError(
                f"target {spec!r}: resolved to {source!r}, outside the checkout {root!r} (an installed copy?); "
                "name the file instead, e.g. src/pkg/module.py:function"
            )
    return obj
