"""Work done once and kept: a call under a "not computed yet" guard that stores its result.

``if not hasattr(self, "_hash"): self._hash = read(...)``, ``if self._data is None: ...``,
``if key not in self._cache: self._cache[key] = ...``, a local copy of a kept attribute
filled by a method that keeps what it finds (``path = self.path``, ``if not path: path =
self.find_path()``): the blocking call runs the first time only, then the stored value answers. Paying it once per process frees nothing worth
a change, so such calls are not reported as blocking the loop.
"""

from __future__ import annotations

import ast

from codeflash_lab.scan.context import FileContext, Scope
from codeflash_lab.scan.names import dotted

__all__ = ["cached_once"]


def _probed(node: ast.AST, func: str) -> str | None:
    """``"x.name"`` for ``hasattr(x, "name")`` / ``getattr(x, "name"[, default])`` (as
    ``func`` says), else ``None``."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == func
        and len(node.args) in ((2,) if func == "hasattr" else (2, 3))
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        return None
    owner = dotted(node.args[0])
    return f"{owner}.{node.args[1].value}" if owner else None


def _guarded(test: ast.AST) -> tuple[str, str] | None:
    """``(kind, target)`` a "not yet computed" test checks: ``attr`` or ``key`` of a store."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test.operand
        name = _probed(inner, "hasattr") or dotted(inner)
        return ("attr", name) if name else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    op, right = test.ops[0], test.comparators[0]
    if isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value is None:
        left = test.left
        name = _probed(left, "getattr") or dotted(left)
        return ("attr", name) if name else None
    if isinstance(op, ast.NotIn):
        store = dotted(right)
        return ("key", store) if store else None
    return None


def _stores(body: list[ast.stmt], kind: str, target: str) -> bool:
    """True when ``body`` assigns the guarded attribute (or a key of the guarded store)."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            else:
                continue
            for t in targets:
                if kind == "key" and isinstance(t, ast.Subscript) and dotted(t.value) == target:
                    return True
                if kind == "attr" and dotted(t) == target:
                    return True
    return False


def _persistent(ctx: FileContext, node: ast.AST, kind: str, target: str) -> bool:
    """An attribute outlives the call; a plain name only when it is the module's."""
    if "." in target:
        return True
    scope = ctx.function_scope(ctx.scope_of[node])
    if scope is None:
        return True
    for n in scope.nodes:
        if isinstance(n, ast.Global) and target in n.names:
            return True
        if (
            kind == "key"
            and isinstance(n, ast.Name)
            and n.id == target
            and not isinstance(n.ctx, ast.Load)
            and ctx.scope_of[n] is scope
        ):
            return False  # a dictionary made by this call: gone when it returns
    return kind == "key"


def _self_call(ctx: FileContext, node: ast.AST) -> tuple[Scope, ast.Attribute] | None:
    """``(scope, func)`` when ``node`` is a ``self.m(...)`` call inside a method."""
    scope = ctx.function_scope(ctx.scope_of[node])
    if scope is None or scope.cls is None or not isinstance(node, ast.Call):
        return None
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == scope.self_name
    ):
        return scope, func
    return None


def _method_keeps(ctx: FileContext, node: ast.AST, names: set[str]) -> bool:
    """True when ``node`` is ``self.m()`` and ``m`` assigns ``self.<one of names>``
    (leading underscores ignored)."""
    call = _self_call(ctx, node)
    if call is None:
        return False
    scope, func = call
    method = [s for s in ctx.functions.get(func.attr, ()) if s.parent is scope.cls]
    if len(method) != 1:
        return False
    for n in ast.walk(method[0].node):
        for t in n.targets if isinstance(n, ast.Assign) else ():
            if isinstance(t, ast.Attribute) and t.attr.lstrip("_") in names:
                return True
    return False


def _kept_by_method(ctx: FileContext, node: ast.AST, target: str) -> bool:
    """``path = self.path`` then ``if not path: path = self.find_path()``, where
    ``find_path`` keeps what it found in ``self._path``: a local copy of a kept value.
    Also ``if not self._path: self.find_path()`` straight on the attribute."""
    scope = ctx.function_scope(ctx.scope_of[node])
    if scope is not None and target.partition(".")[0] == scope.self_name:
        return _method_keeps(ctx, node, {target.rpartition(".")[2].lstrip("_")})
    call = _self_call(ctx, node)
    if call is None:
        return False
    scope = call[0]
    copied = {
        n.value.attr.lstrip("_")
        for n in scope.nodes
        if isinstance(n, ast.Assign)
        and [dotted(t) for t in n.targets] == [target]
        and isinstance(n.value, ast.Attribute)
        and dotted(n.value.value) == scope.self_name
    }
    return bool(copied) and _method_keeps(ctx, node, copied)


def cached_once(ctx: FileContext, node: ast.AST) -> bool:
    """True when ``node`` sits in the body of a guard that computes a value once and keeps it."""
    child = node
    for anc in ctx.ancestors(node):
        if isinstance(anc, ast.If) and any(child is s for s in anc.body):
            found = _guarded(anc.test)
            if found is not None and found[0] == "attr" and _kept_by_method(ctx, node, found[1]):
                return True
            if found is not None and _stores(anc.body, *found) and _persistent(ctx, node, *found):
                return True
        child = anc
    return False
