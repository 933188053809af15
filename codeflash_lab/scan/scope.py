"""Scopes and small syntax-tree predicates shared by the file index."""

from __future__ import annotations

import ast

from codeflash_lab.scan.names import dotted

__all__ = ["Scope", "dotted_receiver", "in_body", "is_def", "is_main_test"]


class Scope:
    """A module, function, lambda or class body, with the names it binds to known types."""

    __slots__ = (
        "attrs", "bindings", "cls", "declared", "history", "kind", "node", "nodes", "parent",
        "self_name",
    )  # fmt: skip

    def __init__(self, node: ast.AST, kind: str, parent: Scope | None) -> None:
        self.node = node
        self.kind = kind
        self.parent = parent
        self.bindings: dict[str, str] = {}
        #: every tracked binding of a name in source order: ``(line, type or None)``
        self.history: dict[str, list[tuple[int, str | None]]] = {}
        #: names given a type annotation here: a plain assignment of an unknown value
        #: does not change their declared type
        self.declared: set[str] = set()
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


def in_body(scope_node: ast.AST, child: ast.AST) -> bool:
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


def is_def(node: ast.AST) -> int:
    return 0 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else 1


def is_main_test(test: ast.AST) -> bool:
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
