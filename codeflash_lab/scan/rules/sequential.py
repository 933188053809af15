"""CFL301 sequential-awaits: independent awaits run one after the other."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.flow import (
    awaits_in,
    callee_name,
    is_connection_name,
    is_lock_like,
    is_ordered_receiver,
    reads,
    round_trip,
    writes,
)
from codeflash_lab.scan.names import dotted
from codeflash_lab.scan.network import call_kind
from codeflash_lab.scan.owndefs import own_defs
from codeflash_lab.scan.registry import Hit, Rule, register
from codeflash_lab.scan.rules.concurrency import loop_hits
from codeflash_lab.scan.verbs import MUTATING as _MUTATING
from codeflash_lab.scan.verbs import READS as _READS
from codeflash_lab.scan.verbs import STATE_CHANGES as _STATE_CHANGES
from codeflash_lab.scan.verbs import judge

__all__: list[str] = []

_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return, ast.Pass)


def _nested_await(ctx: FileContext, aw: ast.Await, stmt: ast.stmt) -> bool:
    """``x or await y``, ``a if c else await b``, ``f(await g())``: order or laziness matters."""
    cur = ctx.parent.get(aw)
    while cur is not None and cur is not stmt:
        if isinstance(cur, ast.BoolOp | ast.IfExp | ast.Call | ast.Yield | ast.YieldFrom):
            return True
        cur = ctx.parent.get(cur)
    return False


def _blocks(ctx: FileContext, skip: set[int]) -> Iterator[list[ast.stmt]]:
    """Statement lists of async functions, skipping lock/transaction bodies and flagged loops."""
    for scope in ctx.scopes:
        if not scope.is_async:
            continue
        stack: list[ast.AST] = [scope.node]
        while stack:
            node = stack.pop()
            if id(node) in skip:
                continue
            if isinstance(node, ast.With | ast.AsyncWith) and any(
                is_lock_like(ctx, i.context_expr) for i in node.items
            ):
                continue
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    yield block
                    stack.extend(block)
            for handler in getattr(node, "handlers", ()):
                yield handler.body
                stack.extend(handler.body)
            for case in getattr(node, "cases", ()):
                stack.extend(case.body)
                yield case.body


def _callee(call: ast.Call) -> str:
    return callee_name(call)


def _receiver(call: ast.Call) -> str | None:
    f = call.func
    return dotted(f.value) if isinstance(f, ast.Attribute) else None


def _arg_keys(call: ast.Call) -> set[str]:
    args = [*call.args, *(k.value for k in call.keywords)]
    return {ast.dump(a) for a in args if not isinstance(a, ast.Constant)}


def _arg_names(call: ast.Call) -> set[str]:
    args = [*call.args, *(k.value for k in call.keywords)]
    return {d for a in args if (d := dotted(a)) is not None}


_IN_PLACE = frozenset(
    {"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "remove",
     "clear", "add", "discard", "sort", "reverse"}
)  # fmt: skip


def _own_def(ctx: FileContext, call: ast.Call) -> ast.AST | None:
    """The ``def`` of this file that ``call`` runs: ``helper(...)`` at module level or
    ``self.helper(...)`` in the enclosing class (sync or async); ``None`` when unsure."""
    found = own_defs(ctx, call)
    return found[0].node if len(found) == 1 else None


def _part_root(node: ast.AST) -> str | None:
    """``v``, for ``v["k"]``, ``v.attr`` or ``v.get("k")``: what holds a part of ``v``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr not in ("get", "setdefault"):
            return None
        node = node.func.value
    return _dotted_root(node)


def _changes_param(body: ast.AST, param: str) -> bool:
    """True when ``body`` changes the object bound to ``param`` in place, directly or
    through a name bound to a part of it (``images = version.get("images")``)."""
    names = {param}
    for node in ast.walk(body):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and _part_root(node.value) in names
        ):
            names.add(node.targets[0].id)
    for node in ast.walk(body):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript | ast.Attribute) and _dotted_root(t) in names:
                    return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _IN_PLACE
            and isinstance(node.func.value, ast.Name | ast.Subscript | ast.Attribute)
            and _dotted_root(node.func.value) in names
        ):
            return True
    return False


def _dotted_root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _mutates_shared(ctx: FileContext, call: ast.Call, shared: set[str]) -> bool:
    """True when ``call`` runs a ``def`` of this file that changes, in place, an object
    it was handed and the other call is handed too (state passed by mutation)."""
    node = _own_def(ctx, call)
    if node is None or not shared:
        return False
    args = node.args  # type: ignore[attr-defined]
    params = [a.arg for a in [*args.posonlyargs, *args.args]]
    if isinstance(call.func, ast.Attribute) and params:
        params = params[1:]  # self
    passed = {p: a for p, a in zip(params, call.args, strict=False)}
    passed.update({k.arg: k.value for k in call.keywords if k.arg})
    return any(
        dotted(arg) in shared and _changes_param(node, param) for param, arg in passed.items()
    )


def _barrier(ctx: FileContext, run: list[tuple[ast.Await, ast.Call, bool]], call: ast.Call) -> bool:
    """True when ``call`` must stay after the calls already in ``run``."""
    recv = _receiver(call)
    name = _callee(call)
    new_args = _arg_keys(call)
    for _, prev, _discarded in run:
        prev_name = _callee(prev)
        prev_recv = _receiver(prev)
        if recv is not None and recv == prev_recv:
            if is_ordered_receiver(ctx, call) or is_ordered_receiver(ctx, prev):
                return True
            if prev_name.startswith(_MUTATING) and name.startswith(_MUTATING):
                return True
        if ast.dump(prev) == ast.dump(call):
            return True  # the same call repeated on purpose
        if name == prev_name and name.startswith(_MUTATING):
            return True  # one output channel (an ASGI send, a writer) keeps its order
        shared = _arg_names(prev) & _arg_names(call)
        if any(is_connection_name(n) for n in shared):
            return True  # the same connection/socket/stream passed to both calls
        if _mutates_shared(ctx, prev, shared) or _mutates_shared(ctx, call, shared):
            return True  # one call changes, in place, an object the other one reads
        crossed = (recv is not None and recv in _arg_names(prev)) or (
            prev_recv is not None and prev_recv in _arg_names(call)
        )
        if crossed and not (prev_name.startswith(_READS) and name.startswith(_READS)):
            return True  # one call works on the object the other one was handed
        if _arg_keys(prev) & new_args and (
            prev_name.startswith(_STATE_CHANGES) or name.startswith(_STATE_CHANGES)
        ):
            return True  # a change to the entity the other call also touches
    # a side effect followed by a call without arguments: it likely reads hidden state
    return run[-1][2] and not call.args and not call.keywords


def _stmt_awaits(ctx: FileContext, stmt: ast.stmt) -> tuple[list[tuple[ast.Await, ast.Call]], bool]:
    """Round-trip awaits of a simple statement, and whether it holds any other await."""
    found: list[tuple[ast.Await, ast.Call]] = []
    other = False
    for aw in awaits_in(stmt):
        call = round_trip(ctx, aw.value)
        if call is None or _nested_await(ctx, aw, stmt):
            other = True
        else:
            found.append((aw, call))
    return found, other


def _mutated(stmt: ast.stmt) -> set[str]:
    """The receiver of a plain method call statement (``e.add_field(...)`` changes ``e``)."""
    value = getattr(stmt, "value", None)
    if isinstance(stmt, ast.Expr) and isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute):
            root = dotted(func.value)
            if root:
                return {root, root.partition(".")[0]}
    return set()


def _is_assertion(stmt: ast.stmt) -> bool:
    """``self.assertEqual(await f(), 1)``: checks in order, as tests mean them."""
    value = getattr(stmt, "value", None)
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr.startswith(("assert", "expect"))
    )


def _runs(
    ctx: FileContext, block: list[ast.stmt]
) -> Iterator[list[tuple[ast.Await, ast.Call, bool]]]:
    run: list[tuple[ast.Await, ast.Call, bool]] = []
    tainted: set[str] = set()
    for stmt in block:
        if not isinstance(stmt, _SIMPLE) or _is_assertion(stmt):
            yield run
            run, tainted = [], set()
            continue
        found, other = _stmt_awaits(ctx, stmt)
        if other:
            yield run
            run, tainted = [], set()
            continue
        if not found:
            value = getattr(stmt, "value", None)
            if isinstance(value, ast.Yield | ast.YieldFrom | ast.Await):
                yield run  # a yield hands control back between the awaits
                run, tainted = [], set()
                continue
            if reads(stmt) & tainted:
                tainted |= writes(stmt) | _mutated(stmt)
            continue
        discarded = isinstance(stmt, ast.Expr)
        for aw, call in found:
            if run and (reads(call) & tainted or _barrier(ctx, run, call)):
                yield run
                run, tainted = [], set()
            run.append((aw, call, discarded))
        tainted |= writes(stmt)
        if isinstance(stmt, ast.Return):
            yield run
            run, tainted = [], set()
    yield run


@register
class SequentialAwaits(Rule):
    """Two or more awaits in a row whose calls do not depend on each other.

    Problem: ``a = await get_user(i)`` then ``b = await get_orders(i)`` waits for the first
    round trip before starting the second; total latency is the sum instead of the
    longest. Fix: ``asyncio.gather`` or an ``asyncio.TaskGroup`` (3.11+). Not flagged:
    a later call that uses an earlier result (directly or through variables), calls on
    one connection, cursor or stream, awaits under a lock or transaction, ``asyncio.sleep``
    pacing, permission checks and other gates, and repeated identical calls.
    Reported once per run, at its first await.
    """

    code = "CFL301"
    name = "sequential-awaits"
    category = "sequential-awaits"
    message = "independent awaits run one after the other"
    tokens = (b"await",)

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        skip = {id(loop) for loop, _ in loop_hits(ctx)}
        for block in _blocks(ctx, skip):
            for run in _runs(ctx, block):
                if len(run) < 2:
                    continue
                names = ", ".join(f"`{_callee(c)}()`" for _, c, _ in run[:4])
                calls = [c for _, c, _ in run]
                confidence, gain = judge([call_kind(ctx, c) for c in calls])
                others = tuple(sorted({c.lineno for c in calls} - {run[0][0].lineno}))
                yield Hit(
                    run[0][0],
                    f"{len(run)} independent awaits run one after the other ({names}): "
                    "latency is their sum instead of the longest",
                    confidence=confidence,
                    gain=gain,
                    related=others,
                )
