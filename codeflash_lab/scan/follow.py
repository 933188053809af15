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
from codeflash_lab.scan.crossmodule import (
    FIXED,
    NETWORK,
    ONE_STEP,
    QUIET,
    SPAWNED,
    Export,
    module_exports,
    module_name,
    probe_modules,
    resolve_calls,
)
from codeflash_lab.scan.files import decode_source, read_file
from codeflash_lab.scan.finding import FileError
from codeflash_lab.scan.inputs import FIXED_STATE_CODES
from codeflash_lab.scan.startup import start_up_name

if TYPE_CHECKING:
    from codeflash_lab.scan.cache import ScanCache

__all__ = ["follow_imports"]

#: Rules whose medium findings are settled by what the awaited functions do.
_SETTLED = frozenset({"CFL301", "CFL302"})


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
        _settle(results, {}, set())
        return {}
    packages: dict[str, bool] = {}
    modules = {r[0]: module_name(r[0], packages) for r in results}
    modules.update(probe_modules(calls, modules))
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
    network: set[tuple[str, int, int]] = set()
    one_step: set[tuple[str, int, int]] = set()
    for caller, call, _target, (code, shown) in hits:
        if call[5] == SPAWNED or code == ONE_STEP:
            if call[5] == SPAWNED and code == ONE_STEP:
                one_step.add((caller, call[0], call[1]))
            continue
        if code == NETWORK:
            if call[5] == 1:
                network.add((caller, call[0], call[1]))
            continue
        if call[5] == 1:
            continue  # an awaited call: it is not a blocking call
        where = f" in async function `{call[4]}`" if call[4] else ""
        message = f"blocking call {shown}{where}: defined in another module, it runs on the loop"
        start_up = caller.endswith("__main__.py") or start_up_name(call[4]) or call[5] == QUIET
        fixed = call[5] == FIXED and code in FIXED_STATE_CODES
        level = "low" if start_up or fixed or code == "CFL106" else "medium"
        out.setdefault(caller, []).append((call[0], call[1], code, message, "", level, "", ()))
    _settle(results, calls, network)
    _drop_one_step_tasks(results, one_step)
    return out


def _drop_one_step_tasks(
    results: Sequence[tuple[str, Any, Any, Any, Any]], spawns: set[tuple[str, int, int]]
) -> None:
    """Dangling-task findings whose coroutine, defined in another module, never suspends:
    the task ends in its first step, so it cannot vanish mid-flight."""
    if not spawns:
        return
    for path, _key, raw, _errors, _facts in results:
        raw[:] = [f for f in raw if not (f[2] == "CFL401" and (path, f[0], f[1]) in spawns)]


def _settle(
    results: Sequence[tuple[str, Any, Any, Any, Any]],
    calls: dict[str, Any],
    network: set[tuple[str, int, int]],
) -> None:
    """Medium-confidence concurrency findings become high when every awaited call on their
    lines that goes to another module reaches a network round trip, else low."""
    for path, _key, raw, _errors, _facts in results:
        awaited: dict[int, list[tuple[int, int]]] = {}
        for call in calls.get(path, ()):
            if call[5] == 1:
                awaited.setdefault(call[0], []).append((call[0], call[1]))
        for i, f in enumerate(raw):
            if f[5] != "medium" or f[2] not in _SETTLED:
                continue
            spots = [s for line in (f[0], *f[7]) for s in awaited.get(line, ())]
            ok = bool(spots) and all((path, *s) in network for s in spots)
            raw[i] = (*f[:5], "high" if ok else "low", *f[6:])
