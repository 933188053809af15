"""Resource rules: CFL501 client-per-request, CFL503 write-without-drain."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from codeflash_lab.scan.context import COMPREHENSIONS, LOOPS, FileContext, Scope
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.network import in_process_client
from codeflash_lab.scan.registry import Hit, Rule, register

__all__: list[str] = []

_CLIENTS = frozenset(
    {
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "asyncpg.connect",
        "asyncpg.create_pool",
        "aiopg.create_pool",
        "aiopg.connect",
        "aiomysql.create_pool",
        "aiomysql.connect",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
        "redis.asyncio.StrictRedis",
        "aioredis.from_url",
        "aioredis.Redis",
        "aioredis.create_redis_pool",
        "motor.motor_asyncio.AsyncIOMotorClient",
        "databases.Database",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "psycopg.AsyncConnection.connect",
        "psycopg_pool.AsyncConnectionPool",
        "aio_pika.connect_robust",
        "aio_pika.connect",
        "aiobotocore.session.get_session",
        "requests.Session",
        "httpx.Client",
    }
)
_ONCE_WORDS = re.compile(
    r"(^|_)(main|lifespan|startup|start|setup|init|initiali[sz]e|connect|open|create|make|build"
    r"|factory|get_client|get_session|get_pool|new_client|serve|run|bootstrap|on_startup"
    r"|aenter|enter|prepare|configure|app)(_|$)"
)
_ROUTE_DECORATORS = frozenset(
    [
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "route",
        "api_route",
        "websocket",
        "view",
    ]
)
_ROUTE_REGISTRARS = frozenset(
    [
        "add_get",
        "add_post",
        "add_put",
        "add_patch",
        "add_delete",
        "add_route",
        "add_api_route",
        "add_websocket_route",
        "add_url_rule",
        "add_view",
    ]
)


def _route_handlers(ctx: FileContext) -> set[str]:
    def compute(c: FileContext) -> set[str]:
        names: set[str] = set()
        for call in c.calls:
            f = call.func
            if isinstance(f, ast.Attribute) and f.attr in _ROUTE_REGISTRARS:
                for arg in [*call.args, *(k.value for k in call.keywords)]:
                    target = dotted(arg)
                    if target:
                        names.add(target.rpartition(".")[2])
            if isinstance(f, ast.Attribute) and f.attr in ("route", "add_routes"):
                for arg in call.args:
                    target = dotted(arg)
                    if target:
                        names.add(target.rpartition(".")[2])
        return names

    result: set[str] = ctx.memo("route_handlers", compute)
    return result


def _is_handler(ctx: FileContext, scope: Scope) -> bool:
    for deco in getattr(scope.node, "decorator_list", ()):
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Attribute) and target.attr in _ROUTE_DECORATORS:
            return True
    if scope.name in _route_handlers(ctx):
        return True
    args = scope.node.args  # type: ignore[attr-defined]
    params = [a.arg for a in [*args.posonlyargs, *args.args]]
    if params and params[0] == scope.self_name:
        params = params[1:]
    if any(p in ("request", "req") for p in params):
        return True
    if scope.cls is not None and scope.name in ("get", "post", "put", "patch", "delete"):
        return True
    return bool(params) and scope.name.startswith(
        ("handle", "on_message", "process", "fetch", "download")
    )


#: Parameter names that change with every call: a function taking one runs per item.
_PER_CALL = re.compile(
    r"^(request|req|message|msg|event|text|query|url|uri|path|item|payload|body|update|data"
    r"|endpoint|route|key|user_id|item_id|sku|record|row|job|task)$"
)


def _per_call(scope: Scope) -> bool:
    args = scope.node.args  # type: ignore[attr-defined]
    return any(_PER_CALL.match(a.arg) for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])


def _stored(ctx: FileContext, call: ast.Call) -> bool:
    """True when the client outlives the call: stored on an object, returned or yielded."""
    node: ast.AST = call
    parent = ctx.parent.get(node)
    if isinstance(parent, ast.Await):
        node, parent = parent, ctx.parent.get(parent)
    if isinstance(parent, ast.Assign | ast.AnnAssign):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if any(isinstance(t, ast.Attribute | ast.Subscript) for t in targets):
            return True
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        scope = ctx.scope_of[call]
        for n in ast.walk(scope.node):
            if isinstance(n, ast.Global | ast.Nonlocal) and names & set(n.names):
                return True
            if (
                isinstance(n, ast.Return | ast.Yield)
                and isinstance(n.value, ast.Name)
                and n.value.id in names
            ):
                return True
            if (
                isinstance(n, ast.Assign)
                and isinstance(n.value, ast.Name)
                and n.value.id in names
                and any(isinstance(t, ast.Attribute | ast.Subscript) for t in n.targets)
            ):
                return True
    if isinstance(parent, ast.Return | ast.Yield):
        return True
    if isinstance(parent, ast.withitem):
        block = ctx.parent.get(parent)
        if any(isinstance(n, ast.Yield) for n in ast.walk(block)):  # type: ignore[arg-type]
            return True
    return False


def _reused(ctx: FileContext, call: ast.Call) -> bool:
    """True when the client serves many requests: its block loops, gathers or fans out."""
    parent = ctx.parent.get(call)
    if isinstance(parent, ast.Await):
        parent = ctx.parent.get(parent)
    if isinstance(parent, ast.withitem):
        body: list[ast.stmt] = ctx.parent[parent].body  # type: ignore[attr-defined]
    else:
        func = ctx.function_scope(ctx.scope_of[call])
        if func is None:
            return False
        body = [s for s in func.node.body if s.lineno > call.lineno]  # type: ignore[attr-defined]
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, (*LOOPS, *COMPREHENSIONS)):
                return True
            if isinstance(node, ast.Call) and ctx.qualname(node.func) in (
                "asyncio.gather",
                "asyncio.wait",
                "asyncio.as_completed",
            ):
                return True
    return False


#: Decorators that let only the bot's owner or an administrator run a command.
_GATE = re.compile(r"owner|admin|superuser|staff_only")


def _gated(node: ast.AST) -> bool:
    for deco in getattr(node, "decorator_list", ()):
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if _GATE.search(name.lower()):
            return True
    return False


def _owner_only(ctx: FileContext, func: Scope) -> bool:
    """True when only owner- or admin-gated commands run ``func`` (the command itself, or a
    method that only such commands call on ``self``): it runs when an operator asks, rarely."""
    if _gated(func.node):
        return True
    if func.cls is None:
        return False
    callers = [
        ctx.function_scope(ctx.scope_of[c])
        for c in ctx.calls
        if isinstance(c.func, ast.Attribute)
        and c.func.attr == func.name
        and isinstance(c.func.value, ast.Name)
        and c.func.value.id == "self"
    ]
    return bool(callers) and all(c is not None and _gated(c.node) for c in callers)


@register
class ClientPerRequest(Rule):
    """An HTTP client, connection or pool created per request or per item.

    Problem: ``httpx.AsyncClient``, ``aiohttp.ClientSession`` and DB connections/pools
    created inside a request handler, a per-item helper or a loop pay DNS, TCP and TLS
    set-up every time and defeat connection pooling. Fix: create the client once (module
    scope, ``__init__``, the app's lifespan or startup hook) and reuse it. Not flagged:
    clients that are stored, returned or yielded, or created in entry points and
    start-up functions outside loops, and clients over an in-process transport
    (``httpx.ASGITransport``), which open no connection. Low confidence: commands
    only an owner or administrator runs (and, like every finding there, test helpers).
    """

    code = "CFL501"
    name = "client-per-request"
    category = "client-per-request"
    message = "client created per request: connection set-up is paid every time"
    tokens = (b"async def",)

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for call in ctx.calls:
            name = ctx.qualname(call.func)
            if name not in _CLIENTS:
                continue
            scope = ctx.scope_of[call]
            func = ctx.function_scope(scope)
            if func is None or not func.is_async or func.name in ("__init__", "__aenter__"):
                continue
            if in_process_client(ctx, call):
                continue
            short = name.rpartition(".")[2]
            loops = [lp for lp in ctx.enclosing_loops(call) if not isinstance(lp, ast.While)]
            if loops and not _reused(ctx, call):
                yield Hit(call, f"`{short}` created inside a loop: one client per item")
                continue
            if _stored(ctx, call):
                continue
            handler = _is_handler(ctx, func)
            if not handler and _reused(ctx, call):
                continue
            if handler or not _ONCE_WORDS.search(func.name.lower().strip("_")):
                sure = (handler or _per_call(func)) and not _owner_only(ctx, func)
                yield Hit(
                    call,
                    f"`{short}` created in `{func.name}`, which runs per request: "
                    "connection set-up is paid on every call"
                    + ("" if sure else " (if it is called often: nothing says how often)"),
                    confidence="high" if sure else "low",
                )


_WRITER_NAME = re.compile(r"(^|_)(writer|w|stream_writer|client_writer)$")
_COLLECTION_NAME = re.compile(r"(writers|clients|connections|peers|subscribers|streams)$")


def _is_stream_writer(ctx: FileContext, call: ast.Call, expr: ast.AST) -> bool:
    scope = ctx.scope_of[call]
    t = ctx.type_of(expr, scope)
    if t is not None:
        return t == "asyncio.StreamWriter"
    name = dotted(expr)
    if name is None:
        return False
    last = name.rpartition(".")[2].lower()
    streamy = any(t in ctx.source for t in ("drain", "open_connection", "start_server"))
    if _WRITER_NAME.search(last) and last != "w":
        return True
    if not streamy or not isinstance(expr, ast.Name):
        return False
    for loop in ctx.enclosing_loops(call):
        if (
            isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Name)
            and loop.target.id == expr.id
        ):
            it = loop.iter
            if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute):
                it = it.func.value
            src = (dotted(it) or "").lower()
            return bool(_COLLECTION_NAME.search(src) or "writer" in src)
    return last == "w" and streamy


def _drained_after(ctx: FileContext, scope: Scope, call: ast.Call, key: str) -> bool:
    for node in ast.walk(scope.node):
        if (
            isinstance(node, ast.Await)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "drain"
            and (node.lineno, node.col_offset) > (call.lineno, call.col_offset)
        ):
            return True
    loops = ctx.enclosing_loops(call)
    for loop in loops:  # a drain earlier in the same loop body runs after the next write
        for node in ast.walk(loop):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "drain"
                and isinstance(ctx.parent.get(node), ast.Await)
            ):
                return True
    return False


_READS = frozenset({"read", "readline", "readexactly", "readuntil", "readline_async"})


def _reply_awaited(ctx: FileContext, scope: Scope, call: ast.Call) -> bool:
    """True when a read of the peer's reply is awaited after the write, within the same
    iteration of the write's loop: each write waits for its answer, so nothing piles up."""
    loops = ctx.enclosing_loops(call)
    area = loops[0] if loops else scope.node
    for node in ast.walk(area):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _READS
            and (node.lineno, node.col_offset) > (call.lineno, call.col_offset)
        ):
            continue
        if any(isinstance(a, ast.Await) for a in ctx.ancestors(node)):
            return True
    return False


@register
class WriteWithoutDrain(Rule):
    """``StreamWriter.write`` with no ``await writer.drain()`` after it.

    Problem: ``write`` only appends to the transport buffer; without ``drain`` nothing
    waits for the peer, so a slow client makes the buffer (and memory) grow, worst in
    loops and broadcasts. Fix: ``await writer.drain()`` after writing. Awaited ``write``
    calls of other APIs (aiohttp responses, aiofiles) are not flagged.
    """

    code = "CFL503"
    name = "write-without-drain"
    category = "write-without-drain"
    message = "StreamWriter.write without a following await drain(): no back-pressure"
    tokens = (b"async def",)

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for call in ctx.calls:
            func = call.func
            if not isinstance(func, ast.Attribute) or func.attr not in ("write", "writelines"):
                continue
            if ctx.is_awaited(call) or not ctx.in_async(call):
                continue
            if not _is_stream_writer(ctx, call, func.value):
                continue
            scope = ctx.function_scope(ctx.scope_of[call])
            key = dotted(func.value) or ""
            if scope is None or _drained_after(ctx, scope, call, key):
                continue
            if _reply_awaited(ctx, scope, call):
                continue  # a request, then its reply: the peer has read it all before it answers
            # one write per exchange rarely grows: on code scored before any rule was tuned
            # on it such writes were never worth a drain; a write per loop item is the case
            in_loop = bool(ctx.enclosing_loops(call))
            yield Hit(
                call,
                f"`{key}.{func.attr}()` with no `await {key}.drain()` after it: "
                "a slow peer makes the buffer grow without limit",
                confidence="high" if in_loop else "low",
            )
