"""Check ``resources``: who owns each client, session, file or connection the change creates.

A resource created without ``with``/``async with`` or a ``try/finally`` leaks on
the first exception; one closed by a function that did not create it is pulled
from under the code that still uses it.
"""

from __future__ import annotations

import ast

from codeflash_lab.experiments.review.checks._ast import (
    call_name,
    dotted,
    enclosing,
    import_aliases,
)
from codeflash_lab.experiments.review.context import FunctionSpan, ReviewContext, functions_in
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["RESOURCE_FACTORIES", "check_resources"]

CHECK = "resources"

#: Constructors of resources that need closing -> what happens under 50 concurrent requests.
RESOURCE_FACTORIES: dict[str, str] = {
    "aiohttp.ClientSession": "session",
    "aiohttp.TCPConnector": "session",
    "httpx.AsyncClient": "session",
    "httpx.Client": "session",
    "requests.Session": "session",
    "requests.session": "session",
    "open": "file",
    "io.open": "file",
    "aiofiles.open": "file",
    "tempfile.NamedTemporaryFile": "file",
    "tempfile.TemporaryFile": "file",
    "asyncpg.connect": "connection",
    "asyncpg.create_pool": "pool",
    "aiosqlite.connect": "connection",
    "sqlite3.connect": "connection",
    "psycopg.connect": "connection",
    "psycopg.AsyncConnection.connect": "connection",
    "psycopg2.connect": "connection",
    "aiomysql.connect": "connection",
    "aiomysql.create_pool": "pool",
    "redis.Redis": "connection",
    "redis.asyncio.Redis": "connection",
    "redis.asyncio.from_url": "connection",
    "aioredis.from_url": "connection",
    "asyncio.open_connection": "connection",
    "socket.socket": "connection",
    "socket.create_connection": "connection",
    "concurrent.futures.ThreadPoolExecutor": "pool",
    "concurrent.futures.ProcessPoolExecutor": "pool",
}

_UNDER_LOAD = {
    "session": (
        "under 50 concurrent requests this opens 50 sessions, each with its own connection "
        "pool (no keep-alive reuse, a TLS handshake per request), and every exception before "
        "close() leaks its sockets ('Unclosed client session') until file descriptors run out"
    ),
    "file": (
        "under 50 concurrent requests 50 file handles are open at once, and every exception "
        "before close() leaves one open until garbage collection; with enough traffic the "
        "process hits its open-file limit"
    ),
    "connection": (
        "under 50 concurrent requests this opens 50 connections at once (a database's default "
        "limit is often 100), and every exception before close() leaks one until the server "
        "times it out"
    ),
    "pool": (
        "a pool created per call multiplies by the concurrency: 50 concurrent requests make 50 "
        "pools, and one not closed on an exception keeps its connections and threads alive"
    ),
}
_CLOSERS = {"close", "aclose", "release", "shutdown", "terminate", "wait_closed", "__aexit__"}
_OWNER_METHODS = {
    "close",
    "aclose",
    "__aexit__",
    "__exit__",
    "__del__",
    "shutdown",
    "stop",
    "cleanup",
    "teardown",
    "dispose",
    "on_shutdown",
    "on_cleanup",
}


def _with_items(fn: ast.AST) -> set[int]:
    """ids of call nodes used as ``with``/``async with`` context expressions."""
    out: set[int] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Await):
                    expr = expr.value
                out.add(id(expr))
    return out


def _closed_in_finally(fn: ast.AST, name: str) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Try | ast.TryStar):
            for stmt in node.finalbody:
                for sub in ast.walk(stmt):
                    if (
                        isinstance(sub, ast.Call)
                        and isinstance(sub.func, ast.Attribute)
                        and sub.func.attr in _CLOSERS
                        and dotted(sub.func.value) == name
                    ):
                        return True
    return False


def _managed_later(fn: ast.AST, name: str) -> bool:
    """``with name:`` / ``async with name:`` / returned / yielded / stored elsewhere."""
    for node in ast.walk(fn):
        if isinstance(node, ast.With | ast.AsyncWith) and any(
            dotted(i.context_expr) == name for i in node.items
        ):
            return True
        if (
            isinstance(node, ast.Return | ast.Yield)
            and node.value is not None
            and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value))
        ):
            return True
        if (
            isinstance(node, ast.Assign)
            and dotted(node.value) == name
            and any(isinstance(t, ast.Attribute | ast.Subscript) for t in node.targets)
        ):
            return True
    return False


def _is_close_of(stmt: ast.stmt, name: str) -> bool:
    expr = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(expr, ast.Await):
        expr = expr.value
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr in _CLOSERS
        and dotted(expr.func.value) == name
    )


def _closed_right_after(fn: ast.AST, call: ast.Call, name: str) -> bool:
    """The statement that runs right after the creating one closes ``name``.

    Nothing can fail between creating and closing, so no cleanup path is needed
    (``reader, writer = await open_connection(...)`` then ``writer.close()``).
    """
    levels: list[tuple[list[ast.stmt], int]] = []

    def find(block: list[ast.stmt]) -> bool:
        for i, stmt in enumerate(block):
            if any(n is call for n in ast.walk(stmt)):
                levels.append((block, i))
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(stmt, field, None)
                    if isinstance(inner, list):
                        blocks = [h.body for h in inner] if field == "handlers" else [inner]
                        if any(find(b) for b in blocks if b and isinstance(b[0], ast.stmt)):
                            return True
                return True
        return False

    find(getattr(fn, "body", []))
    for block, i in reversed(levels):
        if i + 1 < len(block):
            return _is_close_of(block[i + 1], name)
    return False


def _parent_map(fn: ast.AST) -> dict[int, ast.AST]:
    return {id(c): p for p in ast.walk(fn) for c in ast.iter_child_nodes(p)}


def _creation_findings(
    path: str, call: ast.Call, kind: str, factory: str, fn: FunctionSpan
) -> ReviewFinding | None:
    parents = _parent_map(fn.node)
    if id(call) in _with_items(fn.node):
        return None
    node: ast.AST = call
    parent = parents.get(id(node))
    # climb through awaits and wrappers such as asyncio.wait_for(open_connection(...), t)
    while isinstance(parent, ast.Await | ast.Call) and (
        isinstance(parent, ast.Await) or node in parent.args
    ):
        node, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.Return | ast.Yield):
        return None  # a factory: the caller owns what it returns
    targets: list[ast.expr] = []
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        first = parent.targets[0]
        targets = list(first.elts) if isinstance(first, ast.Tuple) else [first]
    elif isinstance(parent, ast.AnnAssign):
        targets = [parent.target]
    if any(isinstance(t, ast.Attribute | ast.Subscript) for t in targets):
        return None  # stored on an object that owns it (self.session = ..., app[KEY] = ...)
    names = [dotted(t) for t in targets]
    local = [n for n in names if n is not None and n != "_"]
    if any(
        _closed_in_finally(fn.node, n)
        or _managed_later(fn.node, n)
        or _closed_right_after(fn.node, call, n)
        for n in local
    ):
        return None
    target = ", ".join(local) if local else None
    what = f"{factory}() assigned to {target}" if target else f"{factory}() used inline"
    return ReviewFinding(
        CHECK,
        "warning",
        path,
        call.lineno,
        f"{what} in {fn.qualname} has no 'async with'/'with' or try/finally close",
        _UNDER_LOAD[kind],
    )


def _foreign_close(path: str, call: ast.Call, fn: FunctionSpan) -> ReviewFinding | None:
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in {"close", "aclose"}:
        return None
    owner = dotted(call.func.value)
    if owner is None:
        return None
    params = {
        a.arg for a in (*fn.node.args.posonlyargs, *fn.node.args.args, *fn.node.args.kwonlyargs)
    }
    params.discard("self")
    params.discard("cls")
    first = owner.split(".")[0]
    if first in params:
        return ReviewFinding(
            CHECK,
            "warning",
            path,
            call.lineno,
            f"{fn.qualname} closes {owner}, which its caller passed in",
            "the caller still owns it: with 50 concurrent requests sharing it, the first one to "
            "finish closes it under the other 49 ('Session is closed' errors); let the creator "
            "close it",
        )
    per_call = fn.is_async and not fn.name.startswith("_") and fn.name not in _OWNER_METHODS
    if first == "self" and per_call and fn.parents:
        return ReviewFinding(
            CHECK,
            "warning",
            path,
            call.lineno,
            f"{fn.qualname} closes the shared {owner} from a per-call method",
            "the object's other in-flight calls still use it: under 50 concurrent requests the "
            "first to finish closes it for everyone; close it only in close()/__aexit__/shutdown",
        )
    return None


def check_resources(ctx: ReviewContext) -> list[ReviewFinding]:
    """Flag resources created on changed lines without guaranteed cleanup, and foreign closes.

    Args:
        ctx: the review context.

    Returns:
        The findings, each saying what happens under 50 concurrent requests.
    """
    findings: list[ReviewFinding] = []
    for changed, tree in ctx.changed_python():
        aliases = import_aliases(tree)
        functions = functions_in(tree)
        for node in ctx.changed_nodes(changed, tree):
            if not isinstance(node, ast.Call):
                continue
            fn = enclosing(functions, node.lineno)
            if fn is None:
                continue
            name = call_name(node, aliases)
            kind = RESOURCE_FACTORIES.get(name or "")
            finding = (
                _creation_findings(changed.path, node, kind, name or "", fn)
                if kind
                else _foreign_close(changed.path, node, fn)
            )
            if finding is not None:
                findings.append(finding)
    return findings
