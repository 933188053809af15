"""Does a call work on its function's inputs, or only on fixed and configured state?

A blocking file or process call whose arguments come from the enclosing function's
parameters (or from values derived from them, or from a loop's items) runs on data each
caller brings: a request's path, a node being started, an uploaded file. One that uses
none of them (``self._remove_pid_file()``, ``os.makedirs(self.config_dir)``) works on the
application's own fixed state, and on code nobody here wrote that is most often a
one-time life-cycle step (start-up, a restart after a failure, shut-down, a value read
once). Hand-judged findings of applications scored before any rule was tuned on them were
right about half the time in that shape, and every time in the other.
"""

from __future__ import annotations

import ast

from codeflash_lab.scan.context import FileContext

__all__ = ["FIXED_STATE_CODES", "FIXED_STATE_FAMILIES", "uses_inputs"]

#: Blocking-call families (and their codes) reported low when they use no input: file
#: and process work. A sync HTTP request, a query or a ``time.sleep`` blocks the loop on
#: every call whatever its arguments, so those keep their confidence.
FIXED_STATE_FAMILIES = frozenset({"file", "subprocess"})
FIXED_STATE_CODES = frozenset({"CFL103", "CFL104"})

_BINDERS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)


def _names(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bound(target: ast.AST | None) -> set[str]:
    """Names a target binds (``x``, ``a, *b``); ``self.x = ...`` or ``d[k] = ...`` bind none."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return set().union(*(_bound(e) for e in target.elts))
    return set()


def _parameters(func: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> set[str]:
    args = func.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    if method and positional:
        positional = positional[1:]  # self or cls: the object's own state
    out = {*positional, *(a.arg for a in args.kwonlyargs)}
    out |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return out


def _derived(func: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> frozenset[str]:
    """Parameters, names computed from them, and loop items (fixed point over the body)."""
    found = _parameters(func, method)
    nodes = list(ast.walk(func))
    for node in nodes:  # a loop's item is per-call data whatever it iterates over
        if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            found |= _bound(node.target)
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if isinstance(node, _BINDERS):
                source: ast.AST | None = node.value
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.withitem):
                source, targets = node.context_expr, [node.optional_vars]
            else:
                continue
            if _names(source) & found:
                new = set().union(*(_bound(t) for t in targets)) - found
                if new:
                    found |= new
                    changed = True
    return frozenset(found)


def uses_inputs(ctx: FileContext, call: ast.Call) -> bool:
    """True when a name in ``call`` (its arguments or its receiver) comes from the enclosing
    function's parameters, from a value derived from them, or from a loop's items. Outside
    a function it is True (nothing to tell)."""
    scope = ctx.function_scope(ctx.scope_of[call])
    if scope is None or not isinstance(scope.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return True
    func = scope.node
    method = scope.cls is not None and not any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list
    )
    derived: frozenset[str] = ctx.memo(f"inputs:{id(func)}", lambda _c: _derived(func, method))
    return bool(_names(call) & derived)
