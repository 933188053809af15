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

__all__ = ["FileContext", "Scope"]

_SCOPE_KINDS = {
    ast.AsyncFunctionDef: "async",
    ast.FunctionDef: "function",
    ast.Lambda: "lambda",
    ast.ClassDef: "class",
}
LOOPS = (ast.For, ast.AsyncFor, ast.While)
_MONGO_CHILD = {"pymongo.MongoClient": "pymongo.Database", "pymongo.Database": "pymongo.Collection"}
_BINDERS = frozenset({ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith})
_LEAVES = frozenset(
    cls
    for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for cls in base.__subclasses__()
)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Scope:
    """A module, function, lambda or class body, with the names it binds to known types."""

    __slots__ = ("attrs", "bindings", "cls", "kind", "node", "nodes", "parent", "self_name")

    def __init__(self, node: ast.AST, kind: str, parent: Scope | None) -> None:
        self.node = node
        self.kind = kind
        self.parent = parent
        self.bindings: dict[str, str] = {}
        self.attrs: dict[str, str] = {}
        self.nodes: list[ast.AST] = []
        self.cls: Scope | None = None
        self.self_name: str | None = None
        if parent is not None and parent.kind == "class" and kind in ("async", "function"):
            self.cls = parent
            args = node.args.posonlyargs + node.args.args  # type: ignore[attr-defined]
            if args:
                self.self_name = args[0].arg

    @property
    def is_async(self) -> bool:
        """True for the body of an ``async def`` (the event loop runs it)."""
        return self.kind == "async"

    @property
    def name(self) -> str:
        """The function or class name (``""`` for modules and lambdas)."""
        return str(getattr(self.node, "name", ""))


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
                if kind is not None and not _in_body(node, child):
                    child_scope = scope
                scope_map[child] = child_scope
                stack.append((child, child_scope))
        self._binders.sort(key=lambda item: (getattr(item[0], "lineno", 0), _is_def(item[0])))
        return module

    def _bind(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if arg.annotation is not None:
                    t = self.annotation_type(arg.annotation)
                    if t:
                        scope.bindings[arg.arg] = t
            return
        if isinstance(node, ast.Assign):
            value_type = self.type_of(node.value, scope)
            for target in node.targets:
                self._assign(target, value_type, node.value, scope)
        elif isinstance(node, ast.AnnAssign):
            t = self.annotation_type(node.annotation)
            if t is None and node.value is not None:
                t = self.type_of(node.value, scope)
            self._assign(node.target, t, node.value, scope)
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
        if isinstance(expr, ast.BinOp):  # X | None
            return self.annotation_type(expr.left) or self.annotation_type(expr.right)
        if isinstance(expr, ast.Subscript):  # Optional[X]
            return self.annotation_type(expr.slice)
        name = self.qualname(expr)
        return ANNOTATION_TYPES.get(name) if name else None

    def type_of(self, expr: ast.AST | None, scope: Scope) -> str | None:
        """The tracked type of an expression, or ``None`` when it is not known."""
        if expr is None:
            return None
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Call):
            func = expr.func
            name = self.qualname(func)
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
            s: Scope | None = scope
            while s is not None:
                if s.kind != "class" and expr.id in s.bindings:
                    return s.bindings[expr.id]
                s = s.parent
            return None
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
            if isinstance(cur, ast.If) and _is_main_test(cur.test):
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


def _in_body(scope_node: ast.AST, child: ast.AST) -> bool:
    """Whether ``child`` of a def/lambda/class node belongs to the new scope."""
    if isinstance(scope_node, ast.Lambda):
        return child is scope_node.body
    if isinstance(scope_node, ast.ClassDef):
        outer = [*scope_node.decorator_list, *scope_node.bases, *scope_node.keywords]
        return not any(child is o for o in outer)
    # parameters belong to the function; decorators and the return annotation do not
    return child is not scope_node.returns and not any(  # type: ignore[attr-defined]
        child is d
        for d in scope_node.decorator_list  # type: ignore[attr-defined]
    )


def _is_def(node: ast.AST) -> int:
    return 0 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else 1


def _is_main_test(test: ast.AST) -> bool:
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    has_main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return has_name and has_main


def dotted_receiver(call: ast.Call) -> str | None:
    """``a.b`` for a call ``a.b.method(...)``; ``None`` when the receiver is not a plain chain."""
    func = call.func
    return dotted(func.value) if isinstance(func, ast.Attribute) else None
