"""Queue rule: CFL502 unbounded-queue."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.registry import Hit, Rule, register

__all__: list[str] = []

_QUEUES = frozenset({"asyncio.Queue", "asyncio.PriorityQueue", "asyncio.LifoQueue"})


def _bounded_arg(call: ast.Call) -> bool:
    args = list(call.args[:1]) + [k.value for k in call.keywords if k.arg == "maxsize"]
    if not args:
        return False
    value = args[0]
    if isinstance(value, ast.Constant):
        return isinstance(value.value, int) and value.value > 0
    return True


def _queue_key(ctx: FileContext, call: ast.Call) -> str | None:
    parent = ctx.parent.get(call)
    if isinstance(parent, ast.Assign | ast.AnnAssign):
        target = parent.targets[0] if isinstance(parent, ast.Assign) else parent.target
        return dotted(target)
    return None


def _prefilled(ctx: FileContext, call: ast.Call, key: str) -> bool:
    """True when every ``put`` into the queue happens in a ``for`` loop in its own function."""
    scope = ctx.function_scope(ctx.scope_of[call])
    puts = [
        c
        for c in ctx.calls
        if isinstance(c.func, ast.Attribute)
        and c.func.attr in ("put", "put_nowait")
        and dotted(c.func.value) == key
        and ("." in key or ctx.function_scope(ctx.scope_of[c]) is scope)
    ]
    if not puts or scope is None:
        return False
    filled_in_loop = False
    for put in puts:
        arg = put.args[0] if put.args else None
        if isinstance(arg, ast.Constant) and arg.value is None:
            continue  # a sentinel
        if ctx.function_scope(ctx.scope_of[put]) is not scope:
            return False
        loops = ctx.enclosing_loops(put)
        if not loops or not isinstance(loops[0], ast.For):
            return False  # a seed item: the consumers feed the queue from then on
        filled_in_loop = True
    return filled_in_loop


_THREAD_HANDOFF = frozenset(
    {"call_soon_threadsafe", "run_in_executor", "to_thread", "Thread", "start_new_thread"}
)


def _fed_from_thread(ctx: FileContext, key: str) -> bool:
    """True when the queue (or its ``put_nowait``) is handed to a thread or to
    ``call_soon_threadsafe``: the producer is a thread that cannot await ``put()``, so a
    bound would raise ``QueueFull`` there instead of slowing it down."""
    for call in ctx.calls:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in _THREAD_HANDOFF:
            continue
        args = [*call.args, *(k.value for k in call.keywords)]
        for arg in args:
            for node in ast.walk(arg):
                if dotted(node) == key:
                    return True
    return False


def _queue_calls(ctx: FileContext, key: str, methods: tuple[str, ...]) -> list[ast.Call]:
    return [
        c
        for c in ctx.calls
        if isinstance(c.func, ast.Attribute)
        and c.func.attr in methods
        and dotted(c.func.value) == key
    ]


def _requeued(ctx: FileContext, key: str) -> bool:
    """True when a consumer puts back the item it took (a retry): with a bound, that
    ``put`` could wait forever on the only task that would make room. Putting new items
    (a crawler's links) is the growth the bound is for."""
    taken: dict[int, set[str]] = {}
    for get in _queue_calls(ctx, key, ("get", "get_nowait")):
        parent = ctx.parent.get(get)
        if isinstance(parent, ast.Await):
            parent = ctx.parent.get(parent)
        if isinstance(parent, ast.Assign) and isinstance(parent.targets[0], ast.Name):
            func = ctx.function_scope(ctx.scope_of[get])
            taken.setdefault(id(func), set()).add(parent.targets[0].id)
    for put in _queue_calls(ctx, key, ("put", "put_nowait")):
        names = taken.get(id(ctx.function_scope(ctx.scope_of[put])), set())
        if put.args and isinstance(put.args[0], ast.Name) and put.args[0].id in names:
            return True
    return False


def _reply_slot(ctx: FileContext, call: ast.Call, key: str) -> bool:
    """True for a local queue made to carry one reply: the function that creates it takes
    from it once, outside any loop (``await wait_for(q.get(), timeout)``)."""
    if "." in key:
        return False
    scope = ctx.function_scope(ctx.scope_of[call])
    gets = [
        c for c in _queue_calls(ctx, key, ("get",)) if ctx.function_scope(ctx.scope_of[c]) is scope
    ]
    if scope is None or not gets:
        return False
    created_in = set(map(id, ctx.enclosing_loops(call)))
    return all(not [lp for lp in ctx.enclosing_loops(g) if id(lp) not in created_in] for g in gets)


#: A transport or stream told to stop reading (asyncio's ``transport.pause_reading()``).
_READ_PAUSE = re.compile(r"^_*pause_?read(ing)?$")


def _class_of(ctx: FileContext, node: ast.AST) -> ast.AST | None:
    scope = ctx.function_scope(ctx.scope_of[node])
    cls = scope.cls if scope is not None else None
    return cls.node if cls is not None else None


def _flow_controlled(ctx: FileContext, call: ast.Call, key: str) -> bool:
    """True when a class that puts into the queue (or owns it) also pauses reading from
    its transport: the transport bounds the queue, and a ``maxsize`` would only make
    ``put_nowait`` in its protocol callbacks raise ``QueueFull``."""
    owners = {_class_of(ctx, p) for p in _queue_calls(ctx, key, ("put", "put_nowait"))}
    owners.add(_class_of(ctx, call))
    for cls in owners - {None}:
        for node in ast.walk(cls):  # type: ignore[arg-type]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and _READ_PAUSE.match(node.func.attr)
            ):
                return True
    return False


#: Parameters that carry what arrives from outside, one item per call.
_INBOUND = re.compile(
    r"^(request|req|message|msg|event|evt|payload|body|data|update|packet|frame|line|chunk"
    r"|record|item|notification)$"
)


def _per_key(ctx: FileContext, call: ast.Call) -> bool:
    """``queues[key] = Queue()`` or ``streams[key] = Stream(backlog=Queue())``: one queue
    per object or connection, each holding that one's items."""
    node: ast.AST = call
    while not isinstance(node, ast.stmt):
        parent = ctx.parent.get(node)
        if parent is None:
            return False
        node = parent
    return isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) for t in node.targets)


def _fed_per_item(ctx: FileContext, key: str | None) -> bool:
    """True when something puts into the queue once per arriving item: in a loop, or in a
    function handed one request, message or event per call (a handler or callback)."""
    if key is None:
        return False
    for put in _queue_calls(ctx, key, ("put", "put_nowait")):
        if ctx.enclosing_loops(put):
            return True
        func = ctx.function_scope(ctx.scope_of[put])
        args = getattr(getattr(func, "node", None), "args", None)
        if args is not None and any(
            _INBOUND.match(a.arg) for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
        ):
            return True
    return False


@register
class UnboundedQueue(Rule):
    """An ``asyncio.Queue`` without a ``maxsize`` used as a producer/consumer buffer.

    Problem: when a network-fed producer outruns the consumer, an unbounded queue grows
    until memory runs out, and nothing slows the producer down. Fix:
    ``asyncio.Queue(maxsize=N)`` so ``await put()`` applies back-pressure. Not flagged:
    a queue filled from a fixed collection before the workers drain it, one fed from a
    thread, one whose consumer puts back the item it took (a bound could deadlock it), and a
    local queue made to carry one reply. Low when a class that fills it pauses reading
    from its transport (``transport.pause_reading()``): that is its bound. High confidence
    only when something puts into it once per arriving item (in a loop, or in a handler
    handed a request, message or event) and it is not one queue per key; otherwise low
    (nothing shows it can outgrow its consumer).
    """

    code = "CFL502"
    name = "unbounded-queue"
    category = "unbounded-queue"
    message = "asyncio.Queue without maxsize: memory grows when producers outrun consumers"
    tokens = (b"Queue",)

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for call in ctx.calls:
            if ctx.qualname(call.func) not in _QUEUES or _bounded_arg(call):
                continue
            key = _queue_key(ctx, call)
            if key is not None and (
                _prefilled(ctx, call, key)
                or _fed_from_thread(ctx, key)
                or _requeued(ctx, key)
                or _reply_slot(ctx, call, key)
            ):
                continue
            if key is not None and _flow_controlled(ctx, call, key):
                yield Hit(
                    call,
                    "asyncio.Queue without maxsize, filled by a producer that pauses reading "
                    "from its transport: the pause bounds it, a maxsize would raise QueueFull",
                    confidence="low",
                )
                continue
            sure = _fed_per_item(ctx, key) and not _per_key(ctx, call)
            yield Hit(call, confidence="high" if sure else "low")
