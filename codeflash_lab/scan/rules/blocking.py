"""Blocking calls inside ``async def`` (category ``blocking-call``): CFL101-CFL106.

One classifier maps each call to a family (sleep, HTTP, file, subprocess, database,
console input); one rule per family so teams can adopt them piecemeal.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.catalog import FUNCTIONS, LAZY, METHODS, OFFLOADERS
from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.registry import Hit, Rule, register

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


def _classify(ctx: FileContext, call: ast.Call) -> tuple[str, str] | None:
    func = call.func
    name = ctx.qualname(func)
    if name is not None:
        family = FUNCTIONS.get(name)
        if family is not None:
            return family, name.removeprefix("builtins.")
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
        if methods is None or func.attr in methods:
            receiver = dotted(func.value) or rtype.rpartition(".")[2]
            return family, f"{receiver}.{func.attr}"
    return None


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


def _direct(c: FileContext, call: ast.Call) -> tuple[str, str] | None:
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
    return _direct(ctx, call)


def offloaded(ctx: FileContext, call: ast.Call) -> bool:
    """True when ``call`` sits in the arguments of ``to_thread``/``run_in_executor``."""
    return _offloaded_argument(ctx, call)


def blocking_calls(ctx: FileContext) -> list[tuple[str, ast.Call, str]]:
    """Every blocking call on the event loop in ``ctx``: ``(family, call, description)``.

    Calls inside a nested ``def``, ``lambda`` or class body, and calls that are
    directly awaited or used in ``async with``, are not counted. A call from async
    code to a plain helper of the same module that blocks is counted at the call site.
    """

    def compute(c: FileContext) -> list[tuple[str, ast.Call, str]]:
        out = []
        helpers: dict[int, tuple[str, str] | None] = {}
        for call in c.calls:
            if not c.in_async(call) or c.is_awaited(call):
                continue
            found = _direct(c, call)
            if found is not None:
                out.append((found[0], call, f"`{found[1]}()`"))
                continue
            helper = c.local_helper(call)
            if helper is None:
                continue
            if id(helper) not in helpers:
                inner = (
                    _direct(c, n)
                    for n in helper.nodes
                    if isinstance(n, ast.Call) and c.scope_of[n] is helper
                )
                helpers[id(helper)] = next((f for f in inner if f is not None), None)
            via = helpers[id(helper)]
            if via is not None:
                out.append((via[0], call, f"`{helper.name}()` (it calls `{via[1]}()`)"))
        return out

    result: list[tuple[str, ast.Call, str]] = ctx.memo("blocking", compute)
    return result


_WHY = {
    "sleep": "it stops the whole event loop for the duration",
    "http": "the network round trip freezes the event loop",
    "file": "file-system I/O runs on the event loop thread",
    "subprocess": "the loop waits for the child process",
    "database": "the query runs synchronously on the event loop",
    "input": "the loop waits for the console",
}


class _BlockingRule(Rule):
    family = ""
    category = "blocking-call"
    message = "blocking call in async function"

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for family, call, shown in blocking_calls(ctx):
            if family == self.family:
                func = ctx.function_scope(ctx.scope_of[call])
                where = f" in async function `{func.name}`" if func else ""
                yield Hit(call, f"blocking call {shown}{where}: {_WHY[family]}")


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
