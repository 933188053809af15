"""Which calls block the event loop: the classifier and the per-file list behind CFL101-CFL106.

Each call made on the loop in an ``async def`` is mapped through the catalogue to a family
(sleep, HTTP, file, subprocess, database, console input), with the name to show, how sure
the match is and, for ``open()``, the lines that use the file. Lazy iterators (``glob``,
``os.walk``) count only where they are consumed; calls handed to ``to_thread`` or
``run_in_executor``, results kept after a first computation and awaited calls (unless a
well-known sync function) do not count. ``rules.blocking`` turns the list into findings and
``crossmodule`` reuses the classifier for blocking functions other modules import.
"""

from __future__ import annotations

import ast

from codeflash_lab.scan.catalog import BARE_NAMES, FUNCTIONS, LAZY, METHODS, OFFLOADERS, PREFIXES
from codeflash_lab.scan.context import FileContext, Scope
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.once import cached_once

__all__ = ["FAMILY_CODES", "Blocking", "blocking_calls", "direct_blocking", "offloaded"]

#: The rule code reporting each family of blocking call.
FAMILY_CODES = {
    "sleep": "CFL101",
    "http": "CFL102",
    "file": "CFL103",
    "subprocess": "CFL104",
    "database": "CFL105",
    "input": "CFL106",
}

_CONSUMERS = frozenset(
    {"list", "sorted", "set", "tuple", "sum", "any", "all", "max", "min", "len", "next", "dict"}
)
_NOT_BLOCKING = frozenset(
    {"pipeline", "pubsub", "lock", "generate_presigned_url", "generate_presigned_post"}
    | {"get_paginator", "get_waiter", "can_paginate", "Bucket", "Object", "Table"}
)


_HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)
_OPENERS = frozenset({"builtins.open", "io.open", "io.open_code", "os.fdopen"})


def _function_name(ctx: FileContext, func: ast.AST) -> tuple[str, bool] | None:
    """``(catalogue name, exact)`` of a called function, also when its import is missing."""
    name, exact = ctx.loose_qualname(func)
    if name is None:
        return None
    if exact:
        return (name, True) if name in FUNCTIONS else None
    if name in FUNCTIONS:
        return name, False
    for prefix in PREFIXES:
        if prefix + name in FUNCTIONS:
            return prefix + name, False
    if name in BARE_NAMES and name not in ctx.functions:
        return f"urllib.request.{name}", False
    return None


def _verb_argument(call: ast.Call) -> bool:
    """``pool.request("GET", ...)`` or a method held in a variable (not ``None``, not a word)."""
    if not call.args:
        return False
    first = call.args[0]
    if isinstance(first, ast.Constant):
        return isinstance(first.value, str) and first.value.upper() in _HTTP_METHODS
    return isinstance(first, ast.Name | ast.Attribute | ast.Subscript | ast.Call)


def _classify(ctx: FileContext, call: ast.Call) -> tuple[str, str, bool] | None:
    """``(family, shown name, exact)`` when ``call`` blocks."""
    func = call.func
    found = _function_name(ctx, func)
    if found is not None:
        return FUNCTIONS[found[0]], found[0].removeprefix("builtins."), found[1]
    if isinstance(func, ast.Attribute):
        scope = ctx.scope_of[call]
        rtype = ctx.type_of(func.value, scope)
        if rtype is None:
            return None
        entry = METHODS.get(rtype)
        if entry is None:
            return None
        family, methods = entry
        if func.attr in _NOT_BLOCKING or func.attr.startswith("_"):
            return None
        if rtype == "socket.socket" and "setblocking(False)" in ctx.source:
            return None  # non-blocking sockets driven by the loop
        if rtype == "urllib3.PoolManager" and func.attr == "request" and not _verb_argument(call):
            return None
        if rtype == "builtins.file" and (
            isinstance(func.value, ast.Call) or _opened_here(ctx, func.value, scope)
        ):
            return None  # reported at its open() (which lists this line)
        if methods is None or func.attr in methods:
            receiver = dotted(func.value) or rtype.rpartition(".")[2]
            return family, f"{receiver}.{func.attr}", True
    return None


def _opened_here(ctx: FileContext, expr: ast.AST, scope: Scope) -> bool:
    """True when ``expr`` is a name bound by ``open()`` in the same async function."""
    if not isinstance(expr, ast.Name):
        return False
    return expr.id in ctx.memo("opened-names", _opened_names).get(id(scope), ())


def _opened_names(ctx: FileContext) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for call in ctx.calls:
        if not ctx.in_async(call) or ctx.qualname(call.func) not in _OPENERS:
            continue
        name = _bound_name(ctx, call)
        if name is not None:
            out.setdefault(id(ctx.scope_of[call]), set()).add(name)
    return out


def _bound_name(ctx: FileContext, call: ast.Call) -> str | None:
    parent = ctx.parent.get(call)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        target = parent.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        return parent.optional_vars.id
    return None


def _uses(ctx: FileContext, call: ast.Call) -> tuple[int, ...]:
    """Lines where the file object bound by ``call`` is used (methods, iteration)."""
    name = _bound_name(ctx, call)
    if name is None:
        return ()
    scope = ctx.scope_of[call]
    item = ctx.parent.get(call)
    block = ctx.parent.get(item) if isinstance(item, ast.withitem) else None
    first, last = call.lineno + 1, 1 << 30
    if isinstance(block, ast.With | ast.AsyncWith):
        first, last = block.lineno, block.end_lineno or last
    lines = set()
    for node in scope.nodes:
        if not (isinstance(node, ast.Name) and node.id == name and ctx.scope_of[node] is scope):
            continue
        if not first <= node.lineno <= last:
            continue  # another binding of the same name, before or after this with-block
        parent = ctx.parent.get(node)
        method = isinstance(parent, ast.Attribute) and isinstance(ctx.parent.get(parent), ast.Call)
        loop = isinstance(parent, ast.For | ast.comprehension) and parent.iter is node
        if (method or loop) and node.lineno != call.lineno:
            lines.add(node.lineno)
    return tuple(sorted(lines))


def _callee(call: ast.Call) -> str:
    f = call.func
    return str(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))


def _is_lazy(call: ast.Call) -> bool:
    return _callee(call) in LAZY


def _offloaded_argument(ctx: FileContext, call: ast.Call) -> bool:
    """True when ``call`` is (inside) an argument of ``to_thread``/``run_in_executor``."""
    for anc in ctx.ancestors(call):
        if isinstance(anc, ast.Call) and anc is not call:
            f = anc.func
            if ctx.qualname(f) in OFFLOADERS or (
                isinstance(f, ast.Attribute) and f.attr == "run_in_executor"
            ):
                return True
    return False


def _consumed_here(c: FileContext, call: ast.Call) -> bool:
    """A lazy iterator blocks only where it is iterated: a loop, a comprehension, ``list()``."""
    parent = c.parent.get(call)
    if isinstance(parent, ast.For | ast.comprehension):
        return parent.iter is call
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name):
        return parent.func.id in _CONSUMERS
    return False


def _direct(c: FileContext, call: ast.Call) -> tuple[str, str, bool] | None:
    found = _classify(c, call)
    if found is None:
        return None
    if _is_lazy(call) and (
        _offloaded_argument(c, call) or (not _consumed_here(c, call) and _callee(call) != "iterdir")
    ):
        return None  # glob/walk generators do their I/O where they are iterated
    return found


def direct_blocking(ctx: FileContext, call: ast.Call) -> tuple[str, str] | None:
    """``(family, name)`` when ``call`` itself blocks (lazy iterators only where consumed)."""
    found = _direct(ctx, call)
    return None if found is None else (found[0], found[1])


def offloaded(ctx: FileContext, call: ast.Call) -> bool:
    """True when ``call`` sits in the arguments of ``to_thread``/``run_in_executor``."""
    return _offloaded_argument(ctx, call)


#: ``(family, call, description, confidence, related lines)``.
Blocking = tuple[str, ast.Call, str, str, tuple[int, ...]]


def blocking_calls(ctx: FileContext) -> list[Blocking]:
    """Every blocking call on the event loop in ``ctx``.

    Calls inside a nested ``def``, ``lambda`` or class body are not counted, nor calls
    that are directly awaited or used in ``async with`` (unless they are well-known sync
    functions, which block however they are written), nor calls whose result is computed
    once and kept (``if not hasattr(self, "_x"): self._x = ...``). A call from async code to a plain
    helper of the same module that blocks is counted at the call site. A catalogue name
    written without its import (``subprocess.run`` with no ``import subprocess``) is
    reported at medium confidence.
    """

    def compute(c: FileContext) -> list[Blocking]:
        out: list[Blocking] = []
        helpers: dict[int, tuple[str, str, bool] | None] = {}
        for call in c.calls:
            if not c.in_async(call):
                continue
            if c.is_awaited(call):
                found = _function_name(c, call.func)
                direct_await = isinstance(c.parent.get(call), ast.Await)
                builtin = found is not None and found[0].startswith("builtins.")
                if found is not None and found[1] and not (builtin and direct_await):
                    shown = found[0].removeprefix("builtins.")
                    out.append((FUNCTIONS[found[0]], call, f"`{shown}()`", "high", ()))
                continue
            if cached_once(c, call):
                continue  # computed the first time only, then kept
            direct = _direct(c, call)
            if direct is not None:
                related = _uses(c, call) if c.qualname(call.func) in _OPENERS else ()
                level = "high" if direct[2] else "medium"
                out.append((direct[0], call, f"`{direct[1]}()`", level, related))
                continue
            helper = c.local_helper(call)
            if helper is None:
                continue
            if id(helper) not in helpers:
                inner = (
                    _direct(c, n)
                    for n in helper.nodes
                    if isinstance(n, ast.Call) and c.scope_of[n] is helper and not cached_once(c, n)
                )
                helpers[id(helper)] = next((f for f in inner if f is not None), None)
            via = helpers[id(helper)]
            if via is not None:
                shown = f"`{helper.name}()` (it calls `{via[1]}()`)"
                out.append((via[0], call, shown, "high" if via[2] else "medium", ()))
        return out

    result: list[Blocking] = ctx.memo("blocking", compute)
    return result
