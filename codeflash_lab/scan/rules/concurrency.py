"""Loop concurrency rules: CFL302 await-in-loop, CFL303 unbounded-gather.

Both look at the per-item structure of loops and comprehensions: what the loop
iterates over, what each iteration reads, and what carries over between iterations.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from codeflash_lab.scan.chunks import small_chunk_reads
from codeflash_lab.scan.context import COMPREHENSIONS, FileContext
from codeflash_lab.scan.flow import (
    awaits_in,
    is_lock_like,
    is_ordered_receiver,
    reads,
    round_trip,
    writes,
)
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.network import call_kind
from codeflash_lab.scan.registry import Hit, Rule, register
from codeflash_lab.scan.rules.gather import gather_hits
from codeflash_lab.scan.verbs import judge

__all__ = ["loop_hits"]

_DISPATCH = re.compile(
    r"hook|listener|receiver|callback|handler|middleware|signal|trace|observer|plugin"
    r"|interceptor|extension|waiter|migration"
)
_DATA_SOURCE = re.compile(
    r"cursor|iterate|paginat|pages|rows|records|results|scan|fetch|list|users|items|objects"
)
_STREAM = re.compile(
    r"ws|websocket|socket|stream|reader|queue|subscri|listen|consum|message|event|channel"
    r"|watch|tail|receive|recv|iter_text|iter_bytes|iter_json|pubsub|notif"
)
_BATCH = re.compile(r"batch|chunk")
#: a database session, connection or repository passed along: its statements run one at a time
_STORE_ARG = re.compile(
    r"(^|_)(session|db|dbsession|uow|conn|connection|tx|transaction|repo|repository|cursor)$"
    r"|_repo$|repository$|session$"
)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "request", "stream"})


def _stmts_in(loop: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a loop body, not descending into nested scopes."""
    stack = list(getattr(loop, "body", []))
    while stack:
        cur = stack.pop()
        yield cur
        for child in ast.iter_child_nodes(cur):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                stack.append(child)


def _derived(body: list[ast.stmt], seeds: set[str]) -> set[str]:
    """Names computed (directly or through variables) from ``seeds`` inside ``body``."""
    names = set(seeds)
    assigns = [
        n
        for s in body
        for n in ast.walk(s)
        if isinstance(n, ast.Assign | ast.AnnAssign | ast.With | ast.AsyncWith | ast.AugAssign)
    ]
    for _ in range(3):
        before = len(names)
        for node in assigns:
            value = getattr(node, "value", None)
            sources = reads(value) if value is not None else set()
            if isinstance(node, ast.With | ast.AsyncWith):
                sources = set().union(*(reads(i.context_expr) for i in node.items))
            if sources & names:
                names |= writes(node)
        if len(names) == before:
            break
    return names


def _carried(body: list[ast.stmt]) -> set[str]:
    """Names assigned in the body and read before their first assignment in it."""
    first_write: dict[str, tuple[int, int]] = {}
    first_read: dict[str, tuple[int, int]] = {}
    for s in body:
        for node in ast.walk(s):
            pos = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
            if isinstance(node, ast.AugAssign):
                for n in writes(node, names_only=True):
                    first_read.setdefault(n, pos)
            if isinstance(
                node,
                ast.Assign | ast.AnnAssign | ast.AugAssign | ast.With | ast.AsyncWith | ast.For,
            ):
                value = getattr(node, "value", None)
                end = (
                    (getattr(value, "end_lineno", pos[0]) or pos[0], 10**6)
                    if value is not None
                    else pos
                )
                for n in writes(node, names_only=True):
                    if n not in first_write or end < first_write[n]:
                        first_write[n] = end
            elif (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and (node.id not in first_read or pos < first_read[node.id])
            ):
                first_read[node.id] = pos
    return {n for n, w in first_write.items() if n in first_read and first_read[n] < w}


def _round_trips(ctx: FileContext, loop: ast.AST) -> list[tuple[ast.AST, ast.Call]]:
    """``(report node, call)`` for awaited round trips that belong to ``loop`` itself."""
    out: list[tuple[ast.AST, ast.Call]] = []
    for aw in awaits_in(ast.Module(body=list(getattr(loop, "body", [])), type_ignores=[])):
        loops = ctx.enclosing_loops(aw)
        if not loops or loops[0] is not loop:
            continue
        call = round_trip(ctx, aw.value)
        if call is not None:
            out.append((aw, call))
    for node in _stmts_in(loop):
        if isinstance(node, ast.AsyncWith):
            loops = ctx.enclosing_loops(node)
            if not loops or loops[0] is not loop:
                continue
            for item in node.items:
                expr = item.context_expr
                if (
                    isinstance(expr, ast.Call)
                    and isinstance(expr.func, ast.Attribute)
                    and expr.func.attr in _HTTP_VERBS
                    and round_trip(ctx, expr) is not None
                ):
                    out.append((expr, expr))
    out.sort(key=lambda p: (p[0].lineno, p[0].col_offset))  # type: ignore[attr-defined]
    return out


def _through_one_store(ctx: FileContext, call: ast.Call, derived: set[str]) -> bool:
    """True when ``call`` is handed a database session or repository that is the same for
    every item (not derived from it): the statements queue on that one connection."""
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        name = dotted(arg)
        if name is None or reads(arg) & derived:
            continue
        if not _STORE_ARG.search(name.rpartition(".")[2].lower().lstrip("_")):
            continue
        kind = ctx.type_of(arg, ctx.scope_of[call]) or ""
        if kind.partition(".")[0] not in ("aiohttp", "httpx", "requests"):
            return True  # not an HTTP client session
    return False


def _exits_early(loop: ast.AST) -> bool:
    for node in _stmts_in(loop):
        if isinstance(node, ast.Return | ast.Break):
            return True
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            f = node.value.func
            if (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")) == "sleep":
                return True
    return False


def _under_lock(ctx: FileContext, node: ast.AST) -> bool:
    for anc in ctx.ancestors(node):
        if isinstance(anc, ast.AsyncWith | ast.With) and any(
            is_lock_like(ctx, i.context_expr) for i in anc.items
        ):
            return True
    return False


def _check_async_for(ctx: FileContext, loop: ast.AsyncFor) -> Hit | None:
    """``async for`` over a paged data source (rows, results) with a round trip per item.

    Streams (websockets, readers, queues, subscriptions) are consumers: their items
    arrive one at a time and are handled in order, so they are never reported.
    """
    it = loop.iter.func if isinstance(loop.iter, ast.Call) else loop.iter
    source = (dotted(it) or "").lower()
    if _STREAM.search(source) or not _DATA_SOURCE.search(source):
        return None
    return _check_for(ctx, loop)


def _item_hit(ctx: FileContext, node: ast.AST, call: ast.Call) -> Hit:
    confidence, gain = judge([call_kind(ctx, call)])
    return Hit(node, confidence=confidence, gain=gain.replace("these are", "each is"))


def _check_for(ctx: FileContext, loop: ast.For | ast.AsyncFor) -> Hit | None:
    if _exits_early(loop) or isinstance(loop.iter, ast.Constant):
        return None
    if isinstance(loop.iter, ast.Tuple | ast.List | ast.Set) and not all(
        isinstance(e, ast.Constant) for e in loop.iter.elts
    ):
        return None  # a fixed list of steps (functions, objects) runs in the order written
    it = loop.iter.func if isinstance(loop.iter, ast.Call) else loop.iter
    source = (dotted(it) or "").rpartition(".")[2].lower()
    if _DISPATCH.search(source):
        return None  # hooks, listeners, signal receivers run in order by design
    body = loop.body
    seeds = writes(loop)
    derived = _derived(body, seeds)
    carried = _carried(body) - seeds
    trips = _round_trips(ctx, loop)
    if any(_through_one_store(ctx, call, derived) for _node, call in trips):
        return None  # each item is written through one database session, in order
    for node, call in trips:
        used = reads(call)
        if not used & derived or used & carried or _under_lock(ctx, node):
            continue
        if isinstance(call.func, ast.Name) and call.func.id in derived:
            continue  # calling the item itself: a callback dispatch
        if any(_BATCH.search(n.lower()) for n in used & derived):
            continue  # one batch at a time is the bounded form of the fix
        parent = ctx.parent.get(node)
        if isinstance(parent, ast.Assign) and writes(parent) & carried:
            continue
        func = call.func
        if (
            is_ordered_receiver(ctx, call)
            and isinstance(func, ast.Attribute)
            and not reads(func.value) & derived
        ):
            continue
        return _item_hit(ctx, node, call)
    return None


def _check_while(ctx: FileContext, loop: ast.While) -> Hit | None:
    test = loop.test
    work = test.id if isinstance(test, ast.Name) else None
    if work is None or _exits_early(loop):
        return None
    popped: set[str] = set()
    for node in _stmts_in(loop):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and getattr(node.func.value, "id", None) == work
        ):
            if node.func.attr in ("append", "extend", "add", "appendleft", "insert", "update"):
                return None
            parent = ctx.parent.get(node)
            if node.func.attr in ("pop", "popleft") and isinstance(parent, ast.Assign):
                popped |= writes(parent)
    if not popped:
        return None
    derived = _derived(loop.body, popped)
    for node, call in _round_trips(ctx, loop):
        if reads(call) & derived and not is_ordered_receiver(ctx, call):
            return _item_hit(ctx, node, call)
    return None


def _check_comprehension(ctx: FileContext, comp: ast.AST) -> Hit | None:
    gens = comp.generators  # type: ignore[attr-defined]
    if any(g.is_async for g in gens):
        return None
    seeds: set[str] = set()
    for g in gens:
        seeds |= writes(ast.For(target=g.target, iter=g.iter, body=[], orelse=[]))
    elts = [getattr(comp, "elt", None), getattr(comp, "key", None), getattr(comp, "value", None)]
    for elt in elts:
        if elt is None:
            continue
        for aw in awaits_in(elt):
            call = round_trip(ctx, aw.value)
            if call is not None and reads(call) & seeds:
                return _item_hit(ctx, aw, call)
    return None


def loop_hits(ctx: FileContext) -> list[tuple[ast.AST, Hit]]:
    """``(loop, hit)`` for every loop or comprehension that awaits a round trip per item."""

    def compute(c: FileContext) -> list[tuple[ast.AST, Hit]]:
        out: list[tuple[ast.AST, Hit]] = []
        for scope in c.scopes:
            if not scope.is_async:
                continue
            for node in scope.nodes:
                hit: Hit | None = None
                if isinstance(node, ast.For):
                    hit = _check_for(c, node)
                elif isinstance(node, ast.AsyncFor):
                    hit = _check_async_for(c, node)
                elif isinstance(node, ast.While):
                    hit = _check_while(c, node) or small_chunk_reads(c, node)
                elif isinstance(node, COMPREHENSIONS):
                    hit = _check_comprehension(c, node)
                if hit is not None:
                    out.append((node, hit))
        return out

    result: list[tuple[ast.AST, Hit]] = ctx.memo("loops", compute)
    return result


@register
class AwaitInLoop(Rule):
    """An awaited round trip per item of a loop or comprehension over independent items.

    Problem: ``for x in xs: await fetch(x)`` (or ``[await f(x) for x in xs]``) waits for
    each item before starting the next, so latency is the sum of all round trips. Fix:
    start them together with ``asyncio.gather`` bounded by a Semaphore. Not flagged:
    consumer loops (``await queue.get()``), retries and searches that exit early,
    pacing with ``asyncio.sleep``, pagination and other loop-carried values, calls on
    one shared connection, and loops under a lock.
    """

    code = "CFL302"
    name = "await-in-loop"
    category = "await-in-loop"
    message = "awaited round trip per loop item: the items are processed one at a time"
    tokens = (b"await",)

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for _, hit in loop_hits(ctx):
            yield hit


@register
class UnboundedGather(Rule):
    """``gather`` or ``create_task`` over input of unbounded size with no limit in sight.

    Problem: ``asyncio.gather(*[fetch(u) for u in urls])`` or a ``create_task`` per item
    starts every call at once: with a large input it exhausts connection pools, hits rate
    limits and spikes memory. Fix: a Semaphore inside each task, fixed-size batches, or
    N workers on a bounded queue. Not flagged: constant-size pools (``range(8)``,
    literals), batches and slices, and per-item coroutines that acquire a Semaphore.
    """

    code = "CFL303"
    name = "unbounded-gather"
    category = "unbounded-gather"
    message = "gather/create_task over input of unbounded size: no concurrency limit"
    tokens = (b"gather", b"create_task", b"as_completed", b"ensure_future")

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        yield from gather_hits(ctx)
