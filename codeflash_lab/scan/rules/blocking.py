"""Blocking calls inside ``async def`` (category ``blocking-call``): CFL101-CFL106.

One classifier maps each call to a family (sleep, HTTP, file, subprocess, database,
console input); one rule per family so teams can adopt them piecemeal.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.catalog import BARE_NAMES, FUNCTIONS, LAZY, METHODS, OFFLOADERS, PREFIXES
from codeflash_lab.scan.context import FileContext, Scope
from codeflash_lab.scan.failure import stat_on_failure_path
from codeflash_lab.scan.inputs import FIXED_STATE_FAMILIES, uses_inputs
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.once import cached_once
from codeflash_lab.scan.registry import Hit, Rule, register
from codeflash_lab.scan.startup import console_program, sets_up_server, start_up

__all__ = ["FAMILY_CODES", "blocking_calls", "direct_blocking", "offloaded"]

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


_WHY = {
    "sleep": "it stops the whole event loop for the duration",
    "http": "the network round trip freezes the event loop",
    "file": "file-system I/O runs on the event loop thread",
    "subprocess": "the loop waits for the child process",
    "database": "the query runs synchronously on the event loop",
    "input": "the loop waits for the console",
}


def _in_raise(ctx: FileContext, call: ast.AST) -> bool:
    """``raise Error(f"... {os.path.realpath(p)}")``, or a call in a block that ends by
    raising (``out = read_log()`` then ``raise Error(out)``, in an ``except`` or an
    ``if retcode:``): it only words the error, once, on the way out."""
    child: ast.AST = call
    for anc in ctx.ancestors(call):
        if isinstance(anc, ast.Raise):
            return True
        if isinstance(anc, ast.If) and child is anc.test and _both_raise(anc):
            return True  # it only picks which error to raise
        if isinstance(child, ast.stmt):  # the call's own statement: is its block an exit?
            if isinstance(anc, ast.FunctionDef | ast.AsyncFunctionDef):
                return False
            for field in ("body", "orelse", "finalbody"):
                block = getattr(anc, field, None)
                if isinstance(block, list) and child in block:
                    return _words_the_raise(child, block[-1])
            return False
        child = anc
    return False


def _both_raise(node: ast.If) -> bool:
    """``if islink(p): raise A(...) else: raise B(...)``."""
    return (
        bool(node.orelse)
        and isinstance(node.body[-1], ast.Raise)
        and isinstance(node.orelse[-1], ast.Raise)
    )


_REPORTS = frozenset({"warning", "warn", "error", "exception", "critical"})


def _words_the_raise(stmt: ast.stmt, last: ast.stmt) -> bool:
    """``out = read_log()`` whose name the block's closing ``raise`` (or warning or error
    log line) uses: it only words a failure. A clean-up such as ``shutil.rmtree(...)``
    before the raise is real work, and stays a finding."""
    if last is stmt or not isinstance(stmt, ast.Assign):
        return False
    reports = isinstance(last, ast.Raise) or (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and isinstance(last.value.func, ast.Attribute)
        and last.value.func.attr in _REPORTS
    )
    names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return reports and any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(last))


class _BlockingRule(Rule):
    family = ""
    category = "blocking-call"
    message = "blocking call in async function"

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for family, call, shown, confidence, related in blocking_calls(ctx):
            if family == self.family:
                func = ctx.function_scope(ctx.scope_of[call])
                if start_up(ctx, func) or sets_up_server(ctx, func):
                    confidence = "low"  # runs before the loop serves, or as it stops
                elif console_program(ctx):
                    confidence = "low"  # a console program talking to its user
                elif _in_raise(ctx, call):
                    confidence = "low"  # words an error once, on the way out
                elif stat_on_failure_path(ctx, call, shown.strip("`").removesuffix("()")):
                    confidence = "low"  # one stat after a failure, to choose the recovery
                elif family in FIXED_STATE_FAMILIES and not uses_inputs(ctx, call):
                    confidence = "low"  # fixed state: most often a one-time life-cycle step
                where = f" in async function `{func.name}`" if func else ""
                uses = f" (used on lines {', '.join(map(str, related))})" if related else ""
                yield Hit(
                    call,
                    f"blocking call {shown}{where}{uses}: {_WHY[family]}",
                    confidence=confidence,
                    related=related,
                )


@register
class BlockingSleep(_BlockingRule):
    """``time.sleep`` inside ``async def``.

    Problem: ``time.sleep`` suspends the thread that runs the event loop, so every
    other task stops too. Fix: ``await asyncio.sleep(...)``. Overlaps ruff ASYNC251.
    """

    code = "CFL101"
    name = "blocking-sleep"
    family = "sleep"


@register
class BlockingHttp(_BlockingRule):
    """Synchronous network I/O inside ``async def``.

    Problem: ``requests``, ``urllib``, ``http.client``, ``urllib3``, a sync
    ``httpx.Client`` (also methods of a session bound earlier, e.g. in ``__init__``),
    blocking sockets, SMTP and FTP each hold the loop for a full round trip. Fix:
    ``httpx.AsyncClient``/``aiohttp``, asyncio streams, or ``asyncio.to_thread``.
    Overlaps ruff ASYNC210/ASYNC212 and goes further (sessions, sockets).
    """

    code = "CFL102"
    name = "blocking-http"
    family = "http"


@register
class BlockingFileIO(_BlockingRule):
    """File-system calls inside ``async def``.

    Problem: ``open()``, pathlib reads and writes, ``os``/``os.path``/``shutil``
    file operations all block the loop on disk latency (worst on network file
    systems). Fix: ``aiofiles``/``anyio.open_file`` or ``asyncio.to_thread``.
    Overlaps ruff ASYNC230/ASYNC240.
    """

    code = "CFL103"
    name = "blocking-file-io"
    family = "file"


@register
class BlockingSubprocess(_BlockingRule):
    """Synchronous subprocesses inside ``async def``.

    Problem: ``subprocess.run``, ``os.system``, ``os.popen`` and ``Popen.wait`` make the
    loop wait for the child. Fix: ``asyncio.create_subprocess_exec`` or
    ``asyncio.to_thread``. Overlaps ruff ASYNC220/ASYNC221/ASYNC222.
    """

    code = "CFL104"
    name = "blocking-subprocess"
    family = "subprocess"


@register
class BlockingDatabase(_BlockingRule):
    """Synchronous database drivers inside ``async def``.

    Problem: ``sqlite3``, ``psycopg2``-style DB-API drivers and sync ``redis`` run every
    query on the loop thread (also through connections and cursors bound earlier).
    Fix: an async driver (``aiosqlite``, ``asyncpg``, ``psycopg`` async, ``redis.asyncio``)
    or ``asyncio.to_thread``. No ruff rule covers these.
    """

    code = "CFL105"
    name = "blocking-database"
    family = "database"


@register
class BlockingInput(_BlockingRule):
    """Console input inside ``async def``.

    Problem: ``input()``, ``getpass`` and ``sys.stdin`` reads stop the loop until the
    user types. Fix: ``await asyncio.to_thread(input, prompt)``. Overlaps ruff ASYNC250.
    """

    code = "CFL106"
    name = "blocking-input"
    family = "input"
