"""Following calls into other modules of the scanned tree, one level deep.

Each file contributes facts that depend on its own bytes only (so they are cached with
it): the calls its async code makes to names imported from elsewhere, and, when asked,
the plain functions it defines that block. Resolving one against the other happens on
every run, so an edit in an imported module refreshes its importers' findings.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence

from codeflash_lab.scan.context import FileContext

__all__ = [
    "FIXED",
    "NETWORK",
    "ONE_STEP",
    "QUIET",
    "SPAWNED",
    "Export",
    "module_exports",
    "module_name",
    "outgoing_calls",
    "probe_modules",
    "resolve_calls",
    "test_support",
]

#: The export code of an ``async def`` that awaits a network round trip.
NETWORK = "NET"
#: The flag of a plain call made by console or test-support code (reported low).
QUIET = 2
#: The flag of a plain call that uses none of its function's inputs (file and process
#: work reached through it is reported low: see :mod:`codeflash_lab.scan.inputs`).
FIXED = 3
#: The export code of an undecorated ``async def`` that never suspends (its task ends in
#: its first step).
ONE_STEP = "ONE"
#: The flag of the coroutine call handed to ``create_task``; line and column are the
#: spawn's, where a dangling-task finding would be.
SPAWNED = 4
_TEST_FOLDERS = frozenset({"testing", "testutils", "test_utils", "test_helpers"})
_TEST_MODULES = ("pytest", "unittest", "asynctest", "pytest_asyncio", "hypothesis")


def test_support(ctx: FileContext) -> bool:
    """Test helpers shipped with the code (fixtures, mocks, a ``testing`` package): they
    serve no requests."""
    folders = ctx.path.replace("\\", "/").split("/")
    if _TEST_FOLDERS & set(folders[:-1]) or folders[-1] in ("testing.py", "testutils.py"):
        return True
    return any(name.partition(".")[0] in _TEST_MODULES for name in ctx.imports.names.values())


#: ``(function name, rule code, what it does)`` for a module-level sync function that blocks.
Export = tuple[str, str, str]
#: ``(line, col, import level, dotted target, caller, awaited)``.
_Call = tuple[int, int, int, str, str, int]


def _target(ctx: FileContext, func: ast.AST) -> tuple[int, str] | None:
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or len(parts) > 1:
        return None
    root = func.id
    tail = "".join(f".{p}" for p in reversed(parts))
    if root in ctx.imports.relative:
        level, name = ctx.imports.relative[root]
        return level, name + tail
    absolute = ctx.imports.names.get(root)
    if absolute is not None and (parts or "." in absolute):
        return 0, absolute + tail
    return None


def outgoing_calls(ctx: FileContext) -> tuple[_Call, ...]:
    """Calls made from async code to functions imported from other modules.

    Plain calls may block the loop; awaited ones (flag 1) tell whether awaits that could
    run together wait on the network.
    """
    from codeflash_lab.scan.inputs import uses_inputs
    from codeflash_lab.scan.once import cached_once
    from codeflash_lab.scan.rules.blocking import offloaded
    from codeflash_lab.scan.startup import console_program, start_up

    out: list[_Call] = list(_spawned_calls(ctx))
    quiet: bool | None = None
    for call in ctx.calls:
        if not ctx.in_async(call):
            continue
        caller = ctx.function_scope(ctx.scope_of[call])
        awaited = int(ctx.is_awaited(call))
        if not awaited:
            if quiet is None:
                quiet = console_program(ctx) or test_support(ctx)
            awaited = QUIET if quiet or start_up(ctx, caller) else 0
        found = _target(ctx, call.func)
        if found is None or (not awaited and (offloaded(ctx, call) or cached_once(ctx, call))):
            continue
        if not awaited and not uses_inputs(ctx, call):
            awaited = FIXED
        name = caller.name if caller else ""
        out.append((call.lineno, call.col_offset + 1, found[0], found[1], name, awaited))
    return tuple(out)


def _spawned_calls(ctx: FileContext) -> Iterator[_Call]:
    """``create_task(imported(...))``: the imported coroutine function, at the spawn."""
    from codeflash_lab.scan.rules.tasks import is_task_spawn

    for call in ctx.calls:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in ("create_task", "ensure_future") or not call.args:
            continue
        inner = call.args[0]
        if not isinstance(inner, ast.Call) or not is_task_spawn(ctx, call):
            continue
        found = _target(ctx, inner.func)
        if found is not None:
            caller = ctx.function_scope(ctx.scope_of[call])
            name = caller.name if caller else ""
            yield (call.lineno, call.col_offset + 1, found[0], found[1], name, SPAWNED)


def module_exports(ctx: FileContext) -> tuple[Export, ...]:
    """Module-level plain functions of ``ctx`` that block the loop when called from it."""
    from codeflash_lab.scan.network import does_network
    from codeflash_lab.scan.once import cached_once
    from codeflash_lab.scan.rules.blocking import FAMILY_CODES, direct_blocking
    from codeflash_lab.scan.rules.cpu import heavy_work
    from codeflash_lab.scan.rules.tasks import never_suspends

    out: list[Export] = []
    for scope in ctx.scopes:
        node = scope.node
        if (
            isinstance(node, ast.AsyncFunctionDef)
            and scope.parent is ctx.module
            and not node.decorator_list
            and never_suspends(node)
        ):
            out.append((scope.name, ONE_STEP, "it never suspends"))
            continue
        if scope.kind == "async" and scope.parent is ctx.module and does_network(ctx, scope):
            out.append((scope.name, NETWORK, "it awaits a network round trip"))
        if scope.kind != "function" or scope.parent is not ctx.module:
            continue
        for node in scope.nodes:
            if not isinstance(node, ast.Call) or ctx.scope_of[node] is not scope:
                continue
            if cached_once(ctx, node):
                continue
            found = direct_blocking(ctx, node)
            if found is not None:
                out.append((scope.name, FAMILY_CODES[found[0]], f"it calls `{found[1]}()`"))
                break
            heavy = heavy_work(ctx, node)
            if heavy is not None:
                out.append((scope.name, "CFL201", f"it does {heavy}"))
                break
    return tuple(out)


def module_name(path: str, packages: dict[str, bool] | None = None) -> str:
    """The dotted module name of ``path``, from the package folders (``__init__.py``) above it."""
    packages = {} if packages is None else packages
    folder, file = os.path.split(os.path.abspath(path))
    stem = file.rsplit(".", 1)[0]
    parts = [] if stem == "__init__" else [stem]
    while True:
        known = packages.get(folder)
        if known is None:
            known = packages[folder] = os.path.isfile(os.path.join(folder, "__init__.py"))
        if not known:
            break
        folder, name = os.path.split(folder)
        parts.append(name)
        if not name:
            break
    return ".".join(reversed(parts))


def _absolute(caller_module: str, is_package: bool, level: int, name: str) -> str:
    base = caller_module.split(".") if caller_module else []
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)] if len(base) >= level - 1 else []
    return ".".join([*base, name]) if base else name


def probe_modules(
    calls: Mapping[str, Sequence[_Call]], modules: Mapping[str, str]
) -> dict[str, str]:
    """Modules of the caller's own package that were not scanned but exist on disk.

    Scanning one file of a package still follows its imports of sibling modules (the
    workshop checker scans a single file). Returns ``{path: module name}`` of those found.
    """
    known = set(modules.values())
    found: dict[str, str] = {}
    for path, items in calls.items():
        me = modules.get(path, "")
        if not me:
            continue
        is_pkg = os.path.basename(path).startswith("__init__.")
        parts = me.count(".") + 1
        root = os.path.dirname(os.path.abspath(path))
        for _ in range(parts if is_pkg else parts - 1):
            root = os.path.dirname(root)
        for call in items:
            level, dotted_name = call[2], call[3]
            full = _absolute(me, is_pkg, level, dotted_name) if level else dotted_name
            mod = full.rpartition(".")[0]
            if not mod or mod in known or mod.partition(".")[0] != me.partition(".")[0]:
                continue
            base = os.path.join(root, *mod.split("."))
            for candidate in (base + ".py", os.path.join(base, "__init__.py")):
                if os.path.isfile(candidate):
                    found[candidate] = mod
                    known.add(mod)
                    break
    return found


def resolve_calls(
    calls: Mapping[str, Sequence[_Call]],
    modules: Mapping[str, str],
    exports: Mapping[str, Iterable[Export]] | None = None,
) -> tuple[dict[str, set[tuple[str, str]]], list[tuple[str, _Call, str, tuple[str, str]]]]:
    """Match outgoing calls to the scanned files that define their targets.

    Args:
        calls: outgoing calls by caller path.
        modules: dotted module name by path (every scanned file).
        exports: blocking functions by path; when ``None`` only the needed files are named.

    Returns:
        ``(needed, hits)``: for each target path the function names asked for, and one
        ``(caller path, call, target path, export)`` per call that reaches a blocking
        function.
    """
    by_name: dict[str, str] = {}
    for path, name in modules.items():
        by_name.setdefault(name, path)
    needed: dict[str, set[tuple[str, str]]] = {}
    hits: list[tuple[str, _Call, str, tuple[str, str]]] = []
    table = {p: {e[0]: e for e in ex} for p, ex in (exports or {}).items()}
    for path, items in calls.items():
        me = modules.get(path, "")
        is_pkg = os.path.basename(path).startswith("__init__.")
        for call in items:
            level, dotted_name = call[2], call[3]
            full = _absolute(me, is_pkg, level, dotted_name) if level else dotted_name
            mod, _, func = full.rpartition(".")
            target = by_name.get(mod)
            if target is None and level == 0 and "." not in mod:
                sibling = os.path.join(os.path.dirname(path), f"{mod}.py")
                target = sibling if sibling in modules else None
            if target is None or target == path:
                continue
            needed.setdefault(target, set()).add((func, path))
            export = table.get(target, {}).get(func)
            if export is not None:
                hits.append((path, call, target, (export[1], f"`{full}()` ({export[2]})")))
    return needed, hits
