"""The engine's cross-module step: calls from async code into blocking functions of
other scanned modules, resolved on every run from per-file facts.

A target module's blocking functions are worked out only when some async code calls
into it, and are cached by the target's content, so the step costs little.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.crossmodule import Export, module_exports, module_name, resolve_calls
from codeflash_lab.scan.files import decode_source, read_file
from codeflash_lab.scan.finding import FileError

if TYPE_CHECKING:
    from codeflash_lab.scan.cache import ScanCache

__all__ = ["follow_imports"]


def _exports_of(path: str, target: tuple[int, int]) -> tuple[Export, ...]:
    import ast

    data = read_file(path)
    if isinstance(data, FileError):
        return ()
    text = decode_source(data, path)
    if isinstance(text, FileError):
        return ()
    paused = gc.isenabled()
    gc.disable()
    try:
        tree = ast.parse(data, filename=path)
        return module_exports(FileContext(tree, text, path, target))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    finally:
        if paused:
            gc.enable()


def follow_imports(
    results: Sequence[tuple[str, Any, Any, Any, Any]],
    store: ScanCache | None,
    keys: dict[str, bytes],
    target: tuple[int, int],
) -> dict[str, list[tuple[int, int, str, str, str, str, str, tuple[int, ...]]]]:
    """Extra raw findings by caller path: calls that reach a blocking function elsewhere.

    Args:
        results: the per-file results ``(path, key, findings, errors, facts)``.
        store: the scan cache (exports are cached by the target file's content).
        keys: content keys by path, where known.
        target: the target Python version.
    """
    calls = {r[0]: r[4] for r in results if r[4]}
    if not calls:
        return {}
    packages: dict[str, bool] = {}
    modules = {r[0]: module_name(r[0], packages) for r in results}
    needed, _ = resolve_calls(calls, modules)
    exports: dict[str, tuple[Export, ...]] = {}
    for path in needed:
        key = keys.get(path)
        cached = store.get(key + b"E") if store is not None and key is not None else None
        if cached is None:
            cached = _exports_of(path, target)
            if store is not None and key is not None:
                store.put(key + b"E", cached)
        exports[path] = tuple(cached)
    _, hits = resolve_calls(calls, modules, exports)
    out: dict[str, list[tuple[int, int, str, str, str, str, str, tuple[int, ...]]]] = {}
    for caller, call, _target, (code, shown) in hits:
        where = f" in async function `{call[4]}`" if call[4] else ""
        message = f"blocking call {shown}{where}: defined in another module, it runs on the loop"
        out.setdefault(caller, []).append((call[0], call[1], code, message, "", "medium", "", ()))
    return out
