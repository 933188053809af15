"""Which ``def`` of the same file a call runs, when the file alone says so."""

from __future__ import annotations

import ast

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.scope import Scope

__all__ = ["own_defs"]


def own_defs(ctx: FileContext, call: ast.Call, *, enclosing: bool = False) -> list[Scope]:
    """The functions of this file that ``call`` may run: ``helper(...)`` defined at module
    level (or, with ``enclosing``, in a function around the call), or ``self.helper(...)``
    of the enclosing class. Empty when the callee is imported or does not resolve here."""
    func = call.func
    caller = ctx.function_scope(ctx.scope_of[call])
    if isinstance(func, ast.Name):
        if func.id in ctx.imports.names:
            return []
        around: list[Scope] = [ctx.module]
        s = caller if enclosing else None
        while s is not None:
            around.append(s)
            s = s.parent
        return [d for d in ctx.functions.get(func.id, ()) if any(d.parent is a for a in around)]
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and caller is not None
        and caller.cls is not None
        and func.value.id == caller.self_name
    ):
        return [d for d in ctx.functions.get(func.attr, ()) if d.parent is caller.cls]
    return []
