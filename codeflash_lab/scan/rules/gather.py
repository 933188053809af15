"""Bounded-or-not analysis behind CFL303 unbounded-gather.

Decides what a ``gather`` or a per-item ``create_task`` iterates over, and whether a
constant size, a batch, a Semaphore, a bounded pool, a thread pool (``to_thread``,
``run_in_executor``) or tornado's ``AsyncHTTPClient`` (it queues beyond ``max_clients``)
limits it.
"""

from __future__ import annotations

import ast
import re

from codeflash_lab.scan.context import COMPREHENSIONS, FileContext, Scope
from codeflash_lab.scan.flow import callee_name, is_lock_like
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.registry import Hit
from codeflash_lab.scan.rules.tasks import is_task_spawn

__all__ = ["gather_hits"]

_BATCH_NAME = re.compile(r"batch|chunk|page|window|slice|group|shard|first|top|head|sample")
_BOUNDED_CALLS = frozenset(
    {"itertools.islice", "itertools.batched", "more_itertools.chunked", "more_itertools.take"}
)
_LIMIT_KEYWORDS = frozenset({"limit", "limits", "max_connections", "max_size", "limit_per_host"})
_LIFECYCLE = (
    "stop",
    "shutdown",
    "close",
    "aclose",
    "dispose",
    "cancel",
    "kill",
    "terminate",
    "cleanup",
    "wait_closed",
    "disconnect",
)
#: Start-up of a fixed set of components (connectors, plugins, servers, sockets): the set
#: comes from configuration, not from input.
_STARTUP = frozenset(
    {"start", "connect", "load", "unload", "reload", "listen", "run", "serve", "setup"}
    | {"initialize", "start_instance", "start_server"}
)
_DISPATCH = re.compile(r"hook|listener|receiver|callback|handler|middleware|signal|observer")
_SPAWN_METHODS = ("create_task", "ensure_future")
_GATHERS = frozenset({"asyncio.gather", "asyncio.as_completed", "asyncio.wait"})


def _lifecycle(elt: ast.AST) -> bool:
    """Per-item start/stop calls of components: fanning them out risks no rate limit or pool."""
    wrapper = (
        isinstance(elt, ast.Call)
        and elt.args
        and isinstance(elt.args[0], ast.Call)
        and (not isinstance(elt.func, ast.Attribute) or elt.func.attr in _SPAWN_METHODS)
    )
    if wrapper:
        elt = elt.args[0]  # type: ignore[attr-defined]
    if not isinstance(elt, ast.Call):
        return False
    name = callee_name(elt)
    return name.startswith(_LIFECYCLE) or name in _STARTUP


def _is_spawn(ctx: FileContext, call: ast.AST) -> bool:
    if not isinstance(call, ast.Call):
        return False
    if is_task_spawn(ctx, call):
        return True
    f = call.func
    return isinstance(f, ast.Attribute) and f.attr in ("create_task", "start_soon")


def _pooled(ctx: FileContext, node: ast.AST | None) -> bool:
    """``to_thread(...)`` or ``run_in_executor(...)`` (maybe wrapped in ``create_task``):
    the executor's fixed number of threads already limits how many run at once."""
    while isinstance(node, ast.Call):
        name = ctx.qualname(node.func) or ""
        last = node.func.attr if isinstance(node.func, ast.Attribute) else name
        if name in ("asyncio.to_thread", "anyio.to_thread.run_sync") or last in (
            "run_in_executor",
            "to_thread",
        ):
            return True
        node = node.args[0] if node.args and _is_spawn(ctx, node) else None
    return False


#: tornado's per-loop HTTP client: it runs at most ``max_clients`` (10) requests at once
#: and queues the rest, so a fan-out whose requests all go through it is bounded already.
_QUEUEING_CLIENTS = frozenset(
    {
        "tornado.httpclient.AsyncHTTPClient",
        "tornado.curl_httpclient.CurlAsyncHTTPClient",
        "tornado.simple_httpclient.SimpleAsyncHTTPClient",
    }
)


def _queued_client(ctx: FileContext, elt: ast.AST | None) -> bool:
    """The per-item coroutine (``self.add_route(r)``) sends its requests through tornado's
    ``AsyncHTTPClient``, reached through functions or methods of this file
    (``add_route`` -> ``self.api_request`` -> ``AsyncHTTPClient().fetch``)."""
    if isinstance(elt, ast.Call) and _is_spawn(ctx, elt) and elt.args:
        elt = elt.args[0]
    if not isinstance(elt, ast.Call):
        return False
    f = elt.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
    reach: frozenset[str] = ctx.memo("tornado-client-reach", _reaching_queued_client)
    return name in reach


def _reaching_queued_client(ctx: FileContext) -> frozenset[str]:
    """Names of the file's functions that call tornado's HTTP client, directly or through
    other functions of the file (called by name or on ``self``)."""
    calls: dict[str, set[str]] = {}
    reach: set[str] = set()
    for name, scopes in ctx.functions.items():
        for scope in scopes:
            for node in scope.nodes:
                if not isinstance(node, ast.Call):
                    continue
                if ctx.qualname(node.func) in _QUEUEING_CLIENTS:
                    reach.add(name)
                f = node.func
                if isinstance(f, ast.Name):
                    calls.setdefault(name, set()).add(f.id)
                elif isinstance(f, ast.Attribute) and dotted(f.value) == scope.self_name:
                    calls.setdefault(name, set()).add(f.attr)
    if not reach:
        return frozenset()
    grew = True
    while grew:
        grew = False
        for name, callees in calls.items():
            if name not in reach and callees & reach:
                reach.add(name)
                grew = True
    return frozenset(reach)


def _bounded_iter(ctx: FileContext, it: ast.AST, scope: Scope) -> bool:
    """True when ``it`` is of constant or explicitly limited size."""
    if isinstance(it, ast.List | ast.Tuple | ast.Set | ast.Dict | ast.Constant):
        return True
    if isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Slice):
        return True
    if isinstance(it, ast.Call):
        name = ctx.qualname(it.func)
        if name == "builtins.range":
            return not any(
                isinstance(n, ast.Call) and getattr(n.func, "id", "") == "len"
                for a in it.args
                for n in ast.walk(a)
            )
        if name in _BOUNDED_CALLS or name in ("builtins.zip", "builtins.enumerate"):
            return name not in ("builtins.zip", "builtins.enumerate") or all(
                _bounded_iter(ctx, a, scope) for a in it.args
            )
        if isinstance(it.func, ast.Attribute) and it.func.attr in ("items", "keys", "values"):
            return _bounded_iter(ctx, it.func.value, scope)
        return False
    name = dotted(it)
    if name is None:
        return False
    last = name.rpartition(".")[2]
    if last.isupper() or _BATCH_NAME.search(last.lower()):
        return True
    if isinstance(it, ast.Name):
        for loop in _enclosing_fors(ctx, it):
            if it.id in {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}:
                return True  # the item of an outer loop: one batch of a batching loop
        value = _assigned_value(ctx, it.id, scope)
        if isinstance(value, COMPREHENSIONS):
            value = value.generators[0].iter
        if value is not None and value is not it:
            return _bounded_iter(ctx, value, scope)
    return False


def _enclosing_fors(ctx: FileContext, node: ast.AST) -> list[ast.For]:
    return [a for a in ctx.ancestors(node) if isinstance(a, ast.For)]


def _assigned_value(ctx: FileContext, name: str, scope: Scope) -> ast.AST | None:
    """The value last assigned to ``name`` in ``scope`` or, failing that, the module."""
    for s in (scope, ctx.module):
        found = None
        for node in s.nodes:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                found = node.value
        if found is not None:
            return found
    return None


def _callee_scopes(ctx: FileContext, elt: ast.AST) -> list[Scope]:
    if isinstance(elt, ast.Call) and _is_spawn(ctx, elt) and elt.args:
        elt = elt.args[0]
    if not isinstance(elt, ast.Call):
        return []
    f = elt.func
    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
    return ctx.functions.get(name or "", [])


def _limited(ctx: FileContext, scope: Scope, elt: ast.AST | None) -> bool:
    """A Semaphore, pool acquire or connection limit in the function or the per-item coroutine."""
    places = [scope, *(_callee_scopes(ctx, elt) if elt is not None else [])]
    for place in places:
        for node in ast.walk(place.node):
            if isinstance(node, ast.AsyncWith | ast.With) and any(
                is_lock_like(ctx, i.context_expr) for i in node.items
            ):
                return True
            if isinstance(node, ast.Call):
                name = ctx.qualname(node.func) or ""
                if name.endswith(("Semaphore", "CapacityLimiter")):
                    return True
                if any(k.arg in _LIMIT_KEYWORDS for k in node.keywords):
                    return True
    if elt is not None:
        for node in ast.walk(elt):
            if isinstance(node, ast.Name) and re.search(r"sem|limit", node.id.lower()):
                return True
    return False


def _source_of(ctx: FileContext, arg: ast.AST, scope: Scope) -> tuple[ast.AST, ast.AST] | None:
    """``(iterable, element)`` behind a gather argument, when it can be seen."""
    if isinstance(arg, ast.Call) and ctx.qualname(arg.func) in ("builtins.list", "builtins.set"):
        arg = arg.args[0] if arg.args else arg
    if isinstance(arg, COMPREHENSIONS):
        gen = arg.generators[0]
        return gen.iter, getattr(arg, "elt", arg)
    if isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "map" and len(arg.args) == 2:
        return arg.args[1], arg.args[0]
    if isinstance(arg, ast.Name):
        value = _assigned_value(ctx, arg.id, scope)
        if isinstance(value, (*COMPREHENSIONS, ast.Call)):
            return _source_of(ctx, value, scope)
        if isinstance(value, ast.List) and not value.elts:
            for node in scope.nodes:
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "append"
                    and getattr(node.func.value, "id", None) == arg.id
                    and node.args
                ):
                    loops = _enclosing_fors(ctx, node)
                    if loops:
                        return loops[0].iter, node.args[0]
    return None


def _existing(ctx: FileContext, arg: ast.AST, scope: Scope) -> bool:
    """``gather(*[t for t in tasks])``: the items themselves, already running."""
    if isinstance(arg, ast.Name):
        arg = _assigned_value(ctx, arg.id, scope) or arg
    if not isinstance(arg, COMPREHENSIONS):
        return False
    elt, target = getattr(arg, "elt", None), arg.generators[0].target
    return isinstance(elt, ast.Name) and isinstance(target, ast.Name) and elt.id == target.id


def _input_like(ctx: FileContext, it: ast.AST | None, scope: Scope) -> bool:
    """True when the fan-out runs over a parameter of the function: data its caller brings.

    A set the program holds itself (its services, routes, owners, hooks, configured
    paths), or one it builds from a response, is small or cluster-sized and often fanned
    out on purpose; on applications scored before any rule was tuned on them such
    fan-outs were almost never worth a limit, so they are low confidence.
    """
    if it is None:
        return False
    if isinstance(it, ast.Call):
        it = it.args[0] if it.args and ctx.qualname(it.func) in _WRAPPERS else it.func
    root = it
    while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
        root = root.func if isinstance(root, ast.Call) else root.value
    func = ctx.function_scope(scope)
    if isinstance(root, ast.Name) and func is not None and root.id != func.self_name:
        args = func.node.args  # type: ignore[attr-defined]
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        return root.id in params
    return False


def _one_statement(ctx: FileContext, arg: ast.AST, scope: Scope) -> bool:
    """``gather(*(f(x) for x in xs))`` or ``gather(*map(f, xs))``: every item fanned out in
    one expression, with no filter and no nested loop. A list built by a loop with
    conditions (routes to add, then stale ones to delete) is a chosen set, not raw input."""
    if isinstance(arg, ast.Name):
        arg = _assigned_value(ctx, arg.id, scope) or arg
    if isinstance(arg, ast.Call) and ctx.qualname(arg.func) in ("builtins.list", "builtins.set"):
        arg = arg.args[0] if arg.args else arg
    if isinstance(arg, COMPREHENSIONS):
        gens = arg.generators
        return len(gens) == 1 and not gens[0].ifs
    return isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "map"


_WRAPPERS = frozenset({"builtins.enumerate", "builtins.zip", "builtins.sorted", "builtins.list"})


def _spawned_once(ctx: FileContext, call: ast.Call) -> bool:
    """``task = create_task(...)`` followed by ``break``/``return``: once, not per item."""
    node: ast.AST = call
    while node is not None and not isinstance(node, ast.stmt):
        node = ctx.parent.get(node)  # type: ignore[assignment]
    block = getattr(ctx.parent.get(node), "body", None) if node is not None else None
    if not isinstance(block, list) or node not in block:
        return False
    rest = block[block.index(node) + 1 :]
    return bool(rest) and isinstance(rest[0], ast.Break | ast.Return)


def _calls_item(src: tuple[ast.AST, ast.AST], arg: ast.AST) -> bool:
    """``gather(*(hook(ctx) for hook in hooks))``: each item is itself called (callbacks)."""
    elt = src[1]
    if not (isinstance(elt, ast.Call) and isinstance(elt.func, ast.Name)):
        return False
    gens = getattr(arg, "generators", None)
    target = gens[0].target if gens else None
    return isinstance(target, ast.Name) and target.id == elt.func.id


def gather_hits(ctx: FileContext) -> list[Hit]:
    """Every unbounded fan-out in ``ctx``."""
    hits: list[Hit] = []
    for call in ctx.calls:
        scope = ctx.scope_of[call]
        if not scope.is_async and scope.kind != "function":
            continue
        name = ctx.qualname(call.func)
        if name in _GATHERS:
            args = [a.value for a in call.args if isinstance(a, ast.Starred)]
            if name != "asyncio.gather" and call.args:
                args = [call.args[0]]
            for arg in args:
                src = _source_of(ctx, arg, scope)
                if src is None or _is_spawn(ctx, src[1]) or _lifecycle(src[1]):
                    continue  # tasks created per item are reported where they are created
                if _pooled(ctx, src[1]) or _queued_client(ctx, src[1]):
                    continue  # a thread pool, or tornado's queueing HTTP client, bounds it
                named = _assigned_value(ctx, arg.id, scope) if isinstance(arg, ast.Name) else None
                if _existing(ctx, arg, scope) or _calls_item(src, named or arg):
                    continue  # tasks already running, or callbacks dispatched together
                if not _bounded_iter(ctx, src[0], scope) and not _limited(ctx, scope, src[1]):
                    sure = _one_statement(ctx, arg, scope) and _input_like(ctx, src[0], scope)
                    hits.append(Hit(call, confidence="high" if sure else "low"))
                    break
        elif _is_spawn(ctx, call):
            loops = ctx.enclosing_loops(call)
            if not loops or isinstance(loops[0], ast.While | ast.AsyncFor):
                continue
            loop = loops[0]
            it = loop.generators[0].iter if isinstance(loop, COMPREHENSIONS) else loop.iter  # type: ignore[attr-defined]
            if _bounded_iter(ctx, it, scope) or _limited(ctx, scope, call) or _pooled(ctx, call):
                continue
            if _DISPATCH.search((dotted(it) or "").lower()) or _lifecycle(call):
                continue
            if isinstance(loop, ast.For) and _spawned_once(ctx, call):
                continue
            hits.append(
                Hit(
                    call,
                    "a task is created per item of an input of unbounded size: "
                    "no concurrency limit",
                    confidence="high" if _input_like(ctx, it, scope) else "low",
                )
            )
    return hits
