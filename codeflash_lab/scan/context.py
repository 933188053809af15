"""One parsed file, indexed for the rules: scopes, parents, calls, light binding types.

The innermost function decides the context: a nested ``def``, ``lambda`` or class
body inside an ``async def`` is not on the event loop. Bindings are tracked per
scope (``s = requests.Session()``, ``with`` targets, annotations) and per class
for ``self.x = ...`` assigned in any method.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from codeflash_lab.scan.names import (
    ANNOTATION_TYPES,
    CONSTRUCTOR_TYPES,
    METHOD_RETURN_TYPES,
    ImportMap,
    dotted,
)
from codeflash_lab.scan.scope import Scope, in_body, is_def, is_main_test

__all__ = ["FileContext", "Scope"]

_SCOPE_KINDS = {
    ast.AsyncFunctionDef: "async",
    ast.FunctionDef: "function",
    ast.Lambda: "lambda",
    ast.ClassDef: "class",
}
LOOPS = (ast.For, ast.AsyncFor, ast.While)
_MONGO_CHILD = {"pymongo.MongoClient": "pymongo.Database", "pymongo.Database": "pymongo.Collection"}
_BINDERS = frozenset({ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor})
_LEAVES = frozenset(
    cls
    for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for cls in base.__subclasses__()
)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class FileContext:
    """A parsed module with the indexes every rule needs.

    Args:
        tree: the parsed module.
        source: its text (used for ``noqa`` comments and cheap text checks).
        path: the file name shown in findings.
        target_version: the Python version fix templates are written for.
    """

    def __init__(
        self, tree: ast.Module, source: str, path: str, target_version: tuple[int, int]
    ) -> None:
        self.tree = tree
        self.source = source
        self.path = path
        self.target_version = target_version
        self.imports = ImportMap()
        self.parent: dict[ast.AST, ast.AST] = {}
        self.scope_of: dict[ast.AST, Scope] = {}
        self.scopes: list[Scope] = []
        self.calls: list[ast.Call] = []
        self.functions: dict[str, list[Scope]] = {}
        self._memo: dict[str, Any] = {}
        self._binders: list[tuple[ast.AST, Scope]] = []
        self.module = self._index(tree)
        self.imports.shadow(
            n.name
            for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        )
        for node, scope in self._binders:
            self._bind(node, scope)

    # -- indexing -------------------------------------------------------------------------

    def _index(self, tree: ast.Module) -> Scope:
        # One iterative pre-order walk (source order). Singleton leaves such as
        # ``Load`` or ``Add`` are skipped: they carry no position and no children.
        module = Scope(tree, "module", None)
        self.scopes.append(module)
        stack: list[tuple[ast.AST, Scope]] = [(tree, module)]
        parent_map, scope_map, calls = self.parent, self.scope_of, self.calls
        node_type, skip = ast.AST, _LEAVES
        while stack:
            node, scope = stack.pop()
            ctype = type(node)
            if node is not tree:
                scope.nodes.append(node)
            if ctype is ast.Call:
                calls.append(node)  # type: ignore[arg-type]
            elif ctype is ast.Import or ctype is ast.ImportFrom:
                self.imports.add(node)  # type: ignore[arg-type]
            elif ctype in _BINDERS:
                self._binders.append((node, scope))
            inner = scope
            kind = _SCOPE_KINDS.get(ctype)
            if kind is not None:
                inner = Scope(node, kind, scope)
                self.scopes.append(inner)
                if kind != "lambda":
                    self.functions.setdefault(inner.name, []).append(inner)
                    if kind != "class":
                        self._binders.append((node, inner))
            children: list[ast.AST] = []
            for field in node._fields:
                value = getattr(node, field, None)
                if type(value) is list:
                    children.extend(
                        v for v in value if isinstance(v, node_type) and type(v) not in skip
                    )
                elif isinstance(value, node_type) and type(value) not in skip:
                    children.append(value)
            for child in reversed(children):
                parent_map[child] = node
                child_scope = inner
                if kind is not None and not in_body(node, child):
                    child_scope = scope
                scope_map[child] = child_scope
                stack.append((child, child_scope))
        self._binders.sort(key=lambda item: (getattr(item[0], "lineno", 0), is_def(item[0])))
        return module

    def _bind(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                t = self.annotation_type(arg.annotation) if arg.annotation is not None else None
                if t:
                    scope.bindings[arg.arg] = t
                if arg.annotation is not None:
                    scope.declared.add(arg.arg)
                scope.history.setdefault(arg.arg, []).append((0, t))
            return
        if isinstance(node, ast.Assign):
            value_type = self.type_of(node.value, scope)
            for target in node.targets:
                if (
                    value_type is None
                    and isinstance(target, ast.Name)
                    and target.id in scope.declared
                ):
                    continue  # the declared type stands
                self._assign(target, value_type, node.value, scope)
        elif isinstance(node, ast.AnnAssign):
            t = self.annotation_type(node.annotation)
            if t is None and node.value is not None:
                t = self.type_of(node.value, scope)
            self._assign(node.target, t, node.value, scope)
            if isinstance(node.target, ast.Name):
                scope.declared.add(node.target.id)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self._assign(node.target, None, None, scope)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    t = self.type_of(item.context_expr, scope)
                    self._assign(item.optional_vars, t, item.context_expr, scope)

    def _assign(self, target: ast.AST, t: str | None, value: ast.AST | None, scope: Scope) -> None:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Await):
            name = self.qualname(value.value.func) if isinstance(value.value, ast.Call) else None
            opener = name in ("asyncio.open_connection", "asyncio.open_unix_connection")
            if opener and len(target.elts) == 2:
                self._assign(target.elts[1], "asyncio.StreamWriter", None, scope)
            return
        if isinstance(target, ast.Name):
            scope.history.setdefault(target.id, []).append((target.lineno, t))
            if t is not None:
                scope.bindings[target.id] = t
            else:
                scope.bindings.pop(target.id, None)
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and scope.cls is not None
            and target.value.id == scope.self_name
            and t is not None
        ):
            scope.cls.attrs[target.attr] = t
        elif isinstance(target, ast.Name | ast.Attribute) and scope.kind == "class" and t:
            scope.attrs[getattr(target, "id", "")] = t

    # -- queries --------------------------------------------------------------------------

    def qualname(self, expr: ast.AST) -> str | None:
        """The canonical dotted name of ``expr`` through imports (``None`` if unknown)."""
        return self.imports.resolve(expr)

    def annotation_type(self, expr: ast.AST) -> str | None:
        """The tracked type an annotation names (``httpx.Client``, ``asyncio.StreamWriter``)."""
        if isinstance(expr, ast.BinOp):  # X | None (a union of two real types is not tracked)
            sides = [expr.left, expr.right]
            nones = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
            if len(nones) != 1:
                return None
            other = sides[0] if sides[1] in nones else sides[1]
            return None if isinstance(other, ast.BinOp) else self.annotation_type(other)
        if isinstance(expr, ast.Subscript):  # Optional[X], Annotated[X, ...]
            outer = (self.loose_qualname(expr.value)[0] or "").rpartition(".")[2]
            inner = expr.slice
            if outer == "Annotated" and isinstance(inner, ast.Tuple) and inner.elts:
                return self.annotation_type(inner.elts[0])
            return self.annotation_type(inner) if outer == "Optional" else None
        name = self.loose_qualname(expr)[0]
        return ANNOTATION_TYPES.get(name) if name else None

    def type_of(self, expr: ast.AST | None, scope: Scope) -> str | None:
        """The tracked type of an expression, or ``None`` when it is not known."""
        if expr is None:
            return None
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Call):
            func = expr.func
            name = self.loose_qualname(func)[0]
            if name == "contextlib.closing" and expr.args:
                return self.type_of(expr.args[0], scope)  # closing() hands back its argument
            if name is not None:
                t = CONSTRUCTOR_TYPES.get(name)
                if t is not None:
                    return t
            if isinstance(func, ast.Attribute):
                base = self.type_of(func.value, scope)
                if base is not None:
                    return METHOD_RETURN_TYPES.get((base, func.attr))
            return None
        if isinstance(expr, ast.Name):
            return self._name_type(expr, scope)
        if isinstance(expr, ast.Attribute | ast.Subscript):
            child = _MONGO_CHILD.get(self.type_of(expr.value, scope) or "")
            if child is not None:
                return child
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return "pathlib.Path" if self.type_of(expr.left, scope) == "pathlib.Path" else None
        if isinstance(expr, ast.Attribute) and expr.attr == "parent":
            return "pathlib.Path" if self.type_of(expr.value, scope) == "pathlib.Path" else None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            func_scope = self.function_scope(scope)
            if (
                func_scope is not None
                and func_scope.cls is not None
                and expr.value.id == func_scope.self_name
            ):
                return func_scope.cls.attrs.get(expr.attr)
        return None

    def _name_type(self, expr: ast.Name, scope: Scope) -> str | None:
        """The type of the binding of a name in force at its line (the nearest scope first)."""
        s: Scope | None = scope
        line = expr.lineno
        while s is not None:
            if s.kind != "class":
                history = s.history.get(expr.id)
                if history:
                    before = [t for at, t in history if at <= line]
                    if before:
                        return before[-1]
                    if s is not scope:
                        return s.bindings.get(expr.id)
                elif expr.id in s.bindings:
                    return s.bindings[expr.id]
            s = s.parent
        return None

    def unbound(self, name: str) -> bool:
        """True when ``name`` is never bound in the file (not imported, assigned or a parameter)."""
        names = self.memo("bound-names", _bound_names)
        return name not in names and name not in self.imports.names

    def loose_qualname(self, expr: ast.AST) -> tuple[str | None, bool]:
        """``(name, exact)``: the import-resolved name, else the written dotted name when its
        root is bound nowhere in the file (``subprocess.run`` used without the import)."""
        name = self.qualname(expr)
        if name is not None:
            return name, True
        written = dotted(expr)
        if written is None:
            return None, True
        root = written.partition(".")[0]
        if root in self.imports.relative or not self.unbound(root):
            return None, True
        return written, False

    def function_scope(self, scope: Scope) -> Scope | None:
        """The nearest enclosing ``def``/``async def`` scope (skipping lambdas)."""
        s: Scope | None = scope
        while s is not None and s.kind not in ("async", "function"):
            if s.kind in ("class", "module"):
                return None
            s = s.parent
        return s

    def in_async(self, node: ast.AST) -> bool:
        """True when the innermost function around ``node`` is an ``async def``."""
        scope = self.scope_of.get(node)
        return scope is not None and scope.kind == "async"

    def is_awaited(self, node: ast.AST) -> bool:
        """True when ``node`` is the direct operand of ``await`` or an ``async with`` item."""
        parent = self.parent.get(node)
        if isinstance(parent, ast.Await):
            return True
        if isinstance(parent, ast.withitem):
            return isinstance(self.parent.get(parent), ast.AsyncWith)
        return False

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        """Parents of ``node`` from the nearest outwards, stopping at its scope's node."""
        scope = self.scope_of.get(node)
        stop = scope.node if scope is not None else None
        cur = self.parent.get(node)
        while cur is not None and cur is not stop:
            yield cur
            cur = self.parent.get(cur)

    def enclosing_loops(self, node: ast.AST) -> list[ast.AST]:
        """Loops and comprehensions around ``node`` within its own function, nearest first."""
        out: list[ast.AST] = []
        child = node
        for anc in self.ancestors(node):
            if isinstance(anc, LOOPS):
                header = (getattr(anc, "iter", None), getattr(anc, "test", None))
                if child not in anc.orelse and not any(child is h for h in header):
                    out.append(anc)
            elif isinstance(anc, COMPREHENSIONS) and child is not anc.generators[0]:
                out.append(anc)
            child = anc
        return out

    def under_main_guard(self, node: ast.AST) -> bool:
        """True when ``node`` sits in an ``if __name__ == "__main__":`` block."""
        cur = self.parent.get(node)
        while cur is not None:
            if isinstance(cur, ast.If) and is_main_test(cur.test):
                return True
            cur = self.parent.get(cur)
        return False

    def local_helper(self, call: ast.Call) -> Scope | None:
        """The plain (sync, uncached) function or method of this module that ``call`` runs.

        ``helper(...)`` resolves to a module-level ``def``; ``self.helper(...)`` to a sync
        method of the enclosing class. Anything ambiguous or decorated with a cache
        gives ``None``.
        """
        func = call.func
        candidates: list[Scope] = []
        if isinstance(func, ast.Name) and func.id not in self.imports.names:
            caller = self.function_scope(self.scope_of[call])
            candidates = [
                s
                for s in self.functions.get(func.id, ())
                if s.parent is self.module or (caller is not None and s.parent is caller)
            ]
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            caller = self.function_scope(self.scope_of[call])
            if caller is not None and caller.cls is not None and func.value.id == caller.self_name:
                candidates = [
                    s for s in self.functions.get(func.attr, ()) if s.parent is caller.cls
                ]
        if len(candidates) != 1 or candidates[0].kind != "function":
            return None
        helper = candidates[0]
        for deco in helper.node.decorator_list:  # type: ignore[attr-defined]
            name = self.qualname(deco.func if isinstance(deco, ast.Call) else deco) or ""
            if name.rpartition(".")[2] in ("cache", "lru_cache", "cached", "cached_property"):
                return None
        return helper

    def memo(self, key: str, factory: Any) -> Any:
        """Compute ``factory(self)`` once per file and share it between rules."""
        if key not in self._memo:
            self._memo[key] = factory(self)
        return self._memo[key]


def _bound_names(ctx: FileContext) -> frozenset[str]:
    """Names the module binds anywhere, read from the index (no second tree walk)."""
    out: set[str] = set(ctx.functions)
    name_type, arg_type, load = ast.Name, ast.arg, ast.Load
    for scope in ctx.scopes:
        for node in scope.nodes:
            t = type(node)
            if t is name_type and type(node.ctx) is not load:  # type: ignore[attr-defined]
                out.add(node.id)  # type: ignore[attr-defined]
            elif t is arg_type:
                out.add(node.arg)  # type: ignore[attr-defined]
    out.update(n.partition(".")[0] for n in ctx.imports.names)
    return frozenset(out)
