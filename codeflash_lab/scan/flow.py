"""Def-use helpers for the concurrency rules: what an expression reads, what a statement
binds, which awaits are real round trips, and which receivers impose an order.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from codeflash_lab.scan.context import COMPREHENSIONS, FileContext
from codeflash_lab.scan.names import dotted

__all__ = [
    "awaits_in",
    "callee_name",
    "is_connection_name",
    "is_lock_like",
    "is_ordered_receiver",
    "reads",
    "round_trip",
    "writes",
]

_NOT_ROUND_TRIP = frozenset(
    {
        "asyncio.sleep",
        "anyio.sleep",
        "trio.sleep",
        "asyncio.gather",
        "asyncio.wait",
        "asyncio.shield",
        "asyncio.as_completed",
        "anyio.wait_all_tasks_blocked",
    }
)
#: Method names that are lifecycle, synchronisation or gating steps, never a parallelisable fetch.
_BARRIER_METHODS = frozenset(
    [
        "sleep",
        "wait",
        "wait_for_completion",
        "acquire",
        "release",
        "join",
        "drain",
        "wait_closed",
        "close",
        "aclose",
        "cancel",
        "start",
        "stop",
        "shutdown",
        "connect",
        "disconnect",
        "login",
        "logout",
        "authenticate",
        "authorize",
        "initialize",
        "init",
        "setup",
        "prepare",
        "flush",
        "commit",
        "rollback",
        "begin",
        "__aenter__",
        "__aexit__",
        "start_server",
        "serve_forever",
        "wait_started",
        "reconnect",
        "handshake",
        "accept",
    ]
)
_GATE_PREFIXES = (
    "sleep",
    "check",
    "verify",
    "validate",
    "ensure",
    "authorize",
    "authenticate",
    "require",
    "assert",
    "acquire",
    "lock",
    "login",
    "connect",
    "open",
    "start",
    "init",
    "setup",
    "wait",
    "migrate",
    "pre_",
    "before",
    "after",
    "run_before",
    "run_after",
    "prepare",
    "mkdir",
    "make_dir",
    "stop",
    "shutdown",
    "close",
    "cleanup",
    "teardown",
    "dispose",
    "kill",
    "terminate",
    "cull",
    "release",
    "disconnect",
    "launch",
    "register",
    "unregister",
    "install",
    "anext",
)
_QUEUE_NAME = re.compile(r"(^|_)(q|queue|\w*queue|inbox|outbox|mailbox|jobs|tasks|work)$")
_REQUEST_NAME = frozenset({"request", "req", "resp", "response", "r", "res", "websocket_request"})
_CONN_NAME = re.compile(
    r"(^|_)(conn|connection|con|cursor|cur|tx|txn|transaction|writer|reader|ws|websocket|socket"
    r"|sock|stream|channel|chan|db|database|pipe|pipeline|serial|port|device|proto|protocol"
    r"|uow|tr)$"
)
_ORDERED_METHODS = frozenset(
    [
        "asend",
        "athrow",
        "__anext__",
        "execute",
        "executemany",
        "fetch",
        "fetchrow",
        "fetchval",
        "fetchone",
        "fetchall",
        "fetchmany",
        "copy_records_to_table",
        "send",
        "sendall",
        "write",
        "send_json",
        "send_text",
        "send_bytes",
        "send_str",
        "recv",
        "receive",
        "receive_json",
        "receive_text",
        "receive_bytes",
        "readline",
        "readexactly",
        "readuntil",
        "read",
        "scalar",
        "scalars",
        "refresh",
        "merge",
        "add",
        "flush",
        "publish",
        "basic_publish",
        "set_isolation_level",
    ]
)
_SESSION_NAME = re.compile(r"(^|_)(session|sess|dbsession|db_session|uow)$|session$")
_ORM_METHODS = frozenset(
    {"execute", "scalar", "scalars", "refresh", "merge", "flush", "commit", "delete", "stream"}
    | {"stream_scalars", "run_sync", "begin", "rollback", "get_one", "exec"}
)
_HTTP_NAME = re.compile(r"http|client|web|aio|api")
_HTTP_CLIENTS = frozenset({"httpx.AsyncClient", "aiohttp.ClientSession"})
_LOCK_NAME = re.compile(r"lock|mutex|sem|limit|throttl|slot|guard")


def reads(expr: ast.AST) -> set[str]:
    """Names and dotted chains (``self.x``) that ``expr`` reads."""
    out: set[str] = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            d = dotted(node)
            if d:
                out.add(d)
    return out


def _targets(target: ast.AST, out: set[str], names_only: bool = False) -> None:
    if isinstance(target, ast.Tuple | ast.List):
        for elt in target.elts:
            _targets(elt, out, names_only)
    elif isinstance(target, ast.Starred):
        _targets(target.value, out, names_only)
    elif isinstance(target, ast.Name):
        out.add(target.id)
    elif names_only:
        return
    elif isinstance(target, ast.Attribute | ast.Subscript):
        d = dotted(target) if isinstance(target, ast.Attribute) else dotted(target.value)
        if d:
            out.add(d)


def writes(stmt: ast.AST, *, names_only: bool = False) -> set[str]:
    """Names (and ``self.x`` chains, unless ``names_only``) a statement binds."""
    out: set[str] = set()
    if isinstance(stmt, ast.Assign):
        for t in stmt.targets:
            _targets(t, out, names_only)
    elif isinstance(stmt, (ast.AugAssign | ast.AnnAssign, ast.For | ast.AsyncFor)):
        _targets(stmt.target, out, names_only)
    elif isinstance(stmt, ast.With | ast.AsyncWith):
        for item in stmt.items:
            if item.optional_vars is not None:
                _targets(item.optional_vars, out, names_only)
    elif isinstance(stmt, ast.NamedExpr):
        _targets(stmt.target, out, names_only)
    return out


def awaits_in(node: ast.AST) -> Iterator[ast.Await]:
    """``await`` nodes inside ``node`` in source order, not descending into nested scopes."""
    stack = [node]
    found: list[ast.Await] = []
    while stack:
        cur = stack.pop()
        if isinstance(cur, ast.Await):
            found.append(cur)
        for child in ast.iter_child_nodes(cur):
            if isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                continue
            if isinstance(child, COMPREHENSIONS) and child is not node:
                continue
            stack.append(child)
    found.sort(key=lambda a: (a.lineno, a.col_offset))
    return iter(found)


def callee_name(call: ast.Call) -> str:
    """The called function or method name, without leading ``_`` and ``async_``/``a_``."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    name = name.lstrip("_")
    for prefix in ("async_", "a_"):
        name = name.removeprefix(prefix)
    return name


def round_trip(ctx: FileContext, call: ast.AST) -> ast.Call | None:
    """The call behind an ``await`` when it is a round trip worth running concurrently."""
    if not isinstance(call, ast.Call):
        return None
    name = ctx.qualname(call.func)
    if name in _NOT_ROUND_TRIP:
        return None
    if name in ("asyncio.wait_for", "asyncio.timeout") and call.args:
        return round_trip(ctx, call.args[0])
    func = call.func
    method = callee_name(call)
    if method in _BARRIER_METHODS or method.startswith(_GATE_PREFIXES):
        return None
    if isinstance(func, ast.Attribute):
        receiver = (dotted(func.value) or "").rpartition(".")[2].lower()
        rtype = ctx.type_of(func.value, ctx.scope_of[call])
        if method in ("get", "put", "get_nowait", "put_nowait", "task_done") and (
            rtype == "asyncio.Queue" or _QUEUE_NAME.search(receiver)
        ):
            return None
        if receiver in _REQUEST_NAME and method in ("json", "text", "read", "body", "form", "post"):
            return None
    return call


def is_ordered_receiver(ctx: FileContext, call: ast.Call) -> bool:
    """True when ``call`` goes through one connection/stream/transaction that keeps order."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    rtype = ctx.type_of(func.value, ctx.scope_of[call])
    if rtype in _HTTP_CLIENTS:
        return False
    receiver = (dotted(func.value) or "").rpartition(".")[2].lower().lstrip("_")
    if rtype in ("db.AsyncConnection", "asyncio.StreamWriter"):
        return True
    if _SESSION_NAME.search(receiver) and not _HTTP_NAME.search(receiver):
        first = call.args[0] if call.args else None
        model = isinstance(first, ast.Name) and first.id[:1].isupper()
        if func.attr in _ORM_METHODS or (func.attr == "get" and model):
            return True  # an ORM session (SQLAlchemy AsyncSession) runs one statement at a time
    return bool(_CONN_NAME.search(receiver)) or (
        func.attr in _ORDERED_METHODS and receiver not in ("client", "http", "api", "self")
    )


def is_connection_name(name: str) -> bool:
    """True for a variable name that usually holds one connection, socket or stream."""
    return bool(_CONN_NAME.search(name.rpartition(".")[2].lower().lstrip("_")))


def is_lock_like(ctx: FileContext, expr: ast.AST) -> bool:
    """True for an ``async with`` context that serialises or bounds what it wraps."""
    target = expr.func if isinstance(expr, ast.Call) else expr
    if isinstance(target, ast.Attribute) and target.attr in (
        "acquire",
        "transaction",
        "begin",
        "begin_nested",
        "atomic",
        "lock",
    ):
        return True
    t = ctx.type_of(expr, ctx.scope_of.get(expr, ctx.module))
    if t in ("asyncio.Lock", "asyncio.Semaphore"):
        return True
    name = (dotted(target) or "").lower()
    return bool(_LOCK_NAME.search(name.rpartition(".")[2]))
