"""Task lifecycle rules: CFL401 dangling-task, CFL402 asyncio-run-in-async."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.context import FileContext, Scope
from codeflash_lab.scan.owndefs import own_defs
from codeflash_lab.scan.registry import Hit, Rule, register

__all__ = ["is_task_spawn", "never_suspends"]

_SPAWNERS = frozenset({"asyncio.create_task", "asyncio.ensure_future", "asyncio.async"})
_ENTRY_NAMES = frozenset({"main", "cli", "run", "entrypoint", "entry_point", "console_main"})
_ENTRY_PREFIXES = ("test", "main_", "run_", "launch", "start", "serve", "cli_", "command")
_ENTRY_DECORATORS = ("command", "task", "shared_task", "fixture", "group", "callback")


def is_task_spawn(ctx: FileContext, call: ast.Call) -> bool:
    """True for ``asyncio.create_task``/``ensure_future`` and ``loop.create_task`` on a loop."""
    if ctx.qualname(call.func) in _SPAWNERS:
        return True
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("create_task", "ensure_future"):
        return False
    if ctx.type_of(func.value, ctx.scope_of[call]) == "asyncio.Loop":
        return True
    receiver = func.value
    name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
    return name.lstrip("_") in ("loop", "event_loop")


def _declared_global(scope: Scope, name: str) -> bool:
    return any(
        isinstance(n, ast.Global | ast.Nonlocal) and name in n.names for n in ast.walk(scope.node)
    )


def _only_callbacks(ctx: FileContext, scope: Scope, name: str) -> bool:
    """True when every use of ``name`` is ``name.add_done_callback(...)``."""
    uses = [
        n
        for n in ast.walk(scope.node)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]
    for use in uses:
        parent = ctx.parent.get(use)
        if not (isinstance(parent, ast.Attribute) and parent.attr == "add_done_callback"):
            return False
    return bool(uses)


def _loaded_names(scope_node: ast.AST) -> set[str]:
    return {
        n.id
        for n in ast.walk(scope_node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


@register
class DanglingTask(Rule):
    """A task whose only reference is thrown away.

    Problem: the event loop keeps only a weak reference to tasks, so a task created
    with ``asyncio.create_task``/``ensure_future``/``loop.create_task`` and not stored can
    be garbage-collected before it finishes, and its exception is never seen. Fix:
    keep it in a ``TaskGroup`` or a set with ``add_done_callback(set.discard)``.
    Overlaps ruff RUF006 (also a local binding that is never used, and ``_ = ...``).
    Not flagged: a coroutine that resolves in the file to an ``async def`` with no
    ``await``/``async for``/``async with``; its task ends in its first step.
    """

    code = "CFL401"
    name = "dangling-task"
    category = "dangling-task"
    message = "task created and its reference discarded: it can vanish mid-flight"
    tokens = (b"create_task", b"ensure_future")

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        loaded: dict[int, set[str]] = {}
        for call in ctx.calls:
            if not is_task_spawn(ctx, call) or _finishes_in_first_step(ctx, call):
                continue
            parent = ctx.parent.get(call)
            if isinstance(parent, ast.Attribute) and parent.attr == "add_done_callback":
                outer = ctx.parent.get(ctx.parent.get(parent) or parent)
                if isinstance(outer, ast.Expr):
                    yield Hit(call)
                continue
            if isinstance(parent, ast.Expr) or _dropped(ctx, call, parent):
                yield Hit(call)
            elif isinstance(parent, ast.Assign) and len(parent.targets) == 1:
                target = parent.targets[0]
                if not isinstance(target, ast.Name):
                    continue
                if target.id == "_":
                    yield Hit(call)
                    continue
                scope = ctx.function_scope(ctx.scope_of[call])
                if scope is None:
                    continue
                names = loaded.get(id(scope))
                if names is None:
                    names = loaded[id(scope)] = _loaded_names(scope.node)
                if _declared_global(scope, target.id) or _runs_loop(scope):
                    continue  # a global, or a local that lives while the loop runs
                if target.id not in names:
                    yield Hit(
                        call, f"task bound to `{target.id}`, which is never used: {self.message}"
                    )
                elif _only_callbacks(ctx, scope, target.id):
                    yield Hit(
                        call,
                        f"task `{target.id}` only gets a done-callback, which keeps no reference "
                        f"to it: {self.message}",
                    )


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_SUSPENDS = (ast.Await, ast.AsyncFor, ast.AsyncWith)


def never_suspends(node: ast.AsyncFunctionDef) -> bool:
    """True when the body has no ``await``, ``async for`` or ``async with`` of its own
    (nested functions and classes are not its body)."""
    stack: list[ast.AST] = [*node.body]
    while stack:
        cur = stack.pop()
        if isinstance(cur, _SUSPENDS):
            return False
        if isinstance(cur, ast.Yield | ast.YieldFrom):
            return False  # an async generator: not a coroutine a task could run
        stack.extend(c for c in ast.iter_child_nodes(cur) if not isinstance(c, _NESTED))
    return True


def _finishes_in_first_step(ctx: FileContext, spawn: ast.Call) -> bool:
    """True when the spawned coroutine resolves, in this file, to an undecorated
    ``async def`` that never suspends: the task runs to its end in its first step, which
    the loop's ready queue holds a reference to, so it cannot vanish mid-flight."""
    inner = spawn.args[0] if spawn.args else None
    defs = own_defs(ctx, inner, enclosing=True) if isinstance(inner, ast.Call) else []
    return bool(defs) and all(
        isinstance(d.node, ast.AsyncFunctionDef)
        and not d.node.decorator_list
        and never_suspends(d.node)
        for d in defs
    )


def _dropped(ctx: FileContext, call: ast.Call, parent: ast.AST | None) -> bool:
    """Shapes that keep no reference: a bare ``[create_task()]`` or generator, a task used
    only as a truth value (``x if create_task() else y``, a comprehension filter), or a
    ``with`` item."""
    if isinstance(parent, ast.List | ast.Tuple | ast.Set | ast.GeneratorExp):
        return isinstance(ctx.parent.get(parent), ast.Expr)
    if isinstance(parent, ast.ListComp | ast.SetComp) and parent.elt is call:
        return isinstance(ctx.parent.get(parent), ast.Expr)
    if isinstance(parent, ast.IfExp | ast.If | ast.While):
        return parent.test is call
    if isinstance(parent, ast.comprehension):
        return any(c is call for c in parent.ifs)
    return isinstance(parent, ast.withitem) and parent.context_expr is call


def _runs_loop(scope: Scope) -> bool:
    """A plain function that runs the loop itself: its locals outlive every task."""
    return scope.kind == "function" and any(
        isinstance(n, ast.Attribute) and n.attr in ("run_forever", "run_until_complete")
        for n in ast.walk(scope.node)
    )


def _has_running_loop_check(scope: Scope) -> bool:
    for node in ast.walk(scope.node):
        if isinstance(node, ast.Attribute) and node.attr in (
            "get_running_loop",
            "_get_running_loop",
            "is_running",
        ):
            return True
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "get_running_loop":
            return True
    return False


def _called_from_async(ctx: FileContext, func_scope: Scope) -> bool:
    """True when async code of this module calls ``func_scope`` directly.

    A method counts only when called as ``self.name(...)`` from an async method of its
    own class; a module function only when called by its plain name.
    """
    for call in ctx.calls:
        if not ctx.in_async(call):
            continue
        func = call.func
        if func_scope.cls is None:
            if isinstance(func, ast.Name) and func.id == func_scope.name:
                return True
            continue
        caller = ctx.function_scope(ctx.scope_of[call])
        if (
            isinstance(func, ast.Attribute)
            and func.attr == func_scope.name
            and isinstance(func.value, ast.Name)
            and caller is not None
            and caller.cls is func_scope.cls
            and func.value.id == caller.self_name
        ):
            return True
    return False


def _only_entry_callers(ctx: FileContext, func_scope: Scope) -> bool:
    """True when the file calls ``func_scope`` and only from sync entry points
    (``run()`` calls ``self.sync_load()`` before it starts its loop)."""
    callers: list[Scope | None] = []
    for call in ctx.calls:
        func = call.func
        if func_scope.cls is None:
            hit = isinstance(func, ast.Name) and func.id == func_scope.name
        else:
            hit = (
                isinstance(func, ast.Attribute)
                and func.attr == func_scope.name
                and isinstance(func.value, ast.Name)
                and func.value.id in ("self", "cls")
            )
        if hit:
            callers.append(ctx.function_scope(ctx.scope_of[call]))
    return bool(callers) and all(
        c is not None and not c.is_async and _is_entry_point(c) for c in callers
    )


def _runs_own_async_method(call: ast.Call, func_scope: Scope) -> bool:
    """``asyncio.run(self.x(...))`` where ``x`` is an ``async def`` of the same class."""
    if func_scope.cls is None or not call.args:
        return False
    inner = call.args[0]
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)):
        return False
    names = {
        n.name
        for n in func_scope.cls.node.body  # type: ignore[attr-defined]
        if isinstance(n, ast.AsyncFunctionDef)
    }
    receiver = inner.func.value
    return (
        inner.func.attr in names
        and isinstance(receiver, ast.Name)
        and receiver.id == func_scope.self_name
    )


def _exit_callbacks(ctx: FileContext) -> frozenset[str]:
    """Names handed to ``atexit.register`` in the file (``atexit.register(self.atexit)``):
    the interpreter calls them as it exits, when no event loop runs any more."""

    def compute(c: FileContext) -> frozenset[str]:
        out = set()
        for call in c.calls:
            if c.qualname(call.func) == "atexit.register" and call.args:
                target = call.args[0]
                if isinstance(target, ast.Attribute):
                    out.add(target.attr)
                elif isinstance(target, ast.Name):
                    out.add(target.id)
        return frozenset(out)

    result: frozenset[str] = ctx.memo("atexit-callbacks", compute)
    return result


def _is_entry_point(scope: Scope) -> bool:
    name = scope.name.lstrip("_")
    if name in _ENTRY_NAMES or name.startswith(_ENTRY_PREFIXES) or name.endswith("main"):
        return True
    for deco in getattr(scope.node, "decorator_list", ()):
        target = deco.func if isinstance(deco, ast.Call) else deco
        last = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if last in _ENTRY_DECORATORS:
            return True
    return False


@register
class AsyncioRunInAsync(Rule):
    """Starting a new event loop from code that already runs under one.

    Problem: ``asyncio.run`` or ``loop.run_until_complete`` inside ``async def`` (or in a
    sync helper that async code calls, or a library's sync facade next to async
    methods) raises "cannot be called from a running event loop" under ASGI servers,
    notebooks and async tests. Fix: await the coroutine; keep ``asyncio.run`` for the
    program's entry point. Not flagged: ``if __name__ == "__main__"`` blocks, entry
    points (``main``, CLI commands, worker tasks), functions only such entry points of
    the file call, and functions that check for a running loop first.
    """

    code = "CFL402"
    name = "asyncio-run-in-async"
    category = "asyncio-run-in-async"
    message = "a new event loop is started from code that may already run under one"
    tokens = (b"asyncio", b"run_until_complete")

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for call in ctx.calls:
            func = call.func
            name = ctx.qualname(func)
            is_run = name in ("asyncio.run", "asyncio.runners.run", "anyio.run") or (
                isinstance(func, ast.Attribute) and func.attr == "run_until_complete"
            )
            if not is_run or ctx.under_main_guard(call):
                continue
            scope = ctx.scope_of[call]
            if scope.is_async:
                yield Hit(
                    call,
                    "asyncio.run/run_until_complete inside `async def`: "
                    "it raises RuntimeError because a loop is already running",
                )
                continue
            func_scope = ctx.function_scope(scope)
            if func_scope is None or scope.kind == "lambda":
                continue
            if _is_entry_point(func_scope) or _has_running_loop_check(func_scope):
                continue
            if _only_entry_callers(ctx, func_scope):
                continue  # run before the program's loop starts
            if func_scope.name in _exit_callbacks(ctx) and not _called_from_async(ctx, func_scope):
                continue  # run by the interpreter at exit, after the loop has stopped
            sync_facade = _runs_own_async_method(call, func_scope)
            seen = _called_from_async(ctx, func_scope)
            if (
                seen
                or sync_facade
                or func_scope.name.endswith("_sync")
                or func_scope.name.startswith("sync_")
            ):
                # only a call from async code in this file shows it; a sync facade or a
                # ``sync_`` name is often kept for callers that run no loop (low)
                yield Hit(
                    call,
                    f"`{func_scope.name}` starts a new event loop but is reachable from async "
                    "code: it fails with RuntimeError under a running loop",
                    confidence="high" if seen else "low",
                )
