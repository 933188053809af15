"""Check ``suppression``: exceptions the change swallows without a trace.

Catching to keep a fan-out alive is fine only when the error is logged, re-raised
or handed on; otherwise a failure that used to be loud becomes a silent wrong answer.
"""

from __future__ import annotations

import ast

from codeflash_lab.experiments.review.checks._ast import (
    call_name,
    dotted,
    enclosing,
    import_aliases,
)
from codeflash_lab.experiments.review.context import ReviewContext, functions_in
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["check_suppression"]

CHECK = "suppression"
_BROAD = {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}
_LOG_METHODS = {
    "exception",
    "error",
    "warning",
    "warn",
    "info",
    "debug",
    "critical",
    "log",
    "print_exc",
    "print_exception",
    "capture_exception",
    "capture_message",
}


def _broad(handler: ast.ExceptHandler) -> str | None:
    if handler.type is None:
        return "bare except"
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for t in types:
        name = dotted(t)
        if name in _BROAD:
            return f"except {name}"
    return None


def _only_pass(body: list[ast.stmt]) -> bool:
    return all(
        isinstance(s, ast.Pass | ast.Continue)
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in body
    )


def _handled(handler: ast.ExceptHandler) -> bool:
    """The handler logs, re-raises, or uses the caught exception."""
    for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in _LOG_METHODS:
                return True
            if isinstance(f, ast.Name) and f.id in {"print", "warn"}:
                return True
        if handler.name and isinstance(node, ast.Name) and node.id == handler.name:
            return True
    return False


def _is_gather_with_exceptions(call: ast.Call, aliases: dict[str, str]) -> bool:
    name = call_name(call, aliases) or ""
    if not (name == "asyncio.gather" or name.endswith(".gather") or name == "gather"):
        return False
    return any(
        kw.arg == "return_exceptions"
        and isinstance(kw.value, ast.Constant)
        and kw.value.value is True
        for kw in call.keywords
    )


def _inspects_exceptions(fn: ast.AST) -> bool:
    """``isinstance(x, Exception)``-style tests (or exception types) anywhere in ``fn``."""
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"isinstance", "issubclass"}
            and len(node.args) == 2
        ):
            for n in ast.walk(node.args[1]):
                name = dotted(n) or ""
                if name.endswith(("Exception", "Error", "BaseException")):
                    return True
    return False


def _gather_result(call: ast.Call, fn: ast.AST) -> str:
    """How the gather result is used: ``"dropped"``, ``"returned"`` or ``"kept"``."""
    parents = {id(c): p for p in ast.walk(fn) for c in ast.iter_child_nodes(p)}
    parent = parents.get(id(call))
    if isinstance(parent, ast.Await):
        parent = parents.get(id(parent))
    if isinstance(parent, ast.Expr):
        return "dropped"
    if isinstance(parent, ast.Return):
        return "returned"
    return "kept"


def check_suppression(ctx: ReviewContext) -> list[ReviewFinding]:
    """Flag swallowing excepts and uninspected ``gather(..., return_exceptions=True)``.

    Args:
        ctx: the review context.

    Returns:
        An error for an added ``except: pass`` (bare or broad), a warning for a
        broad except that neither logs nor re-raises, and a warning for a gather
        whose exceptions are never looked at.
    """
    findings: list[ReviewFinding] = []
    for changed, tree in ctx.changed_python():
        aliases = import_aliases(tree)
        functions = functions_in(tree)
        for node in ctx.changed_nodes(changed, tree):
            if isinstance(node, ast.ExceptHandler):
                kind = _broad(node)
                if kind is None or _handled(node):
                    continue
                if _only_pass(node.body):
                    findings.append(
                        ReviewFinding(
                            CHECK,
                            "error",
                            changed.path,
                            node.lineno,
                            f"{kind} with an empty body swallows every error",
                            "a failure that used to surface (a timeout, a bad response, a bug) "
                            "now disappears without a trace and the caller gets a wrong or "
                            "partial result; catch the specific exception and log it",
                        )
                    )
                else:
                    findings.append(
                        ReviewFinding(
                            CHECK,
                            "warning",
                            changed.path,
                            node.lineno,
                            f"{kind} neither logs nor re-raises",
                            "the error is replaced by a fallback value with no record of why; "
                            "log it (logger.exception) or re-raise after cleanup",
                        )
                    )
            elif isinstance(node, ast.Call) and _is_gather_with_exceptions(node, aliases):
                fn = enclosing(functions, node.lineno)
                scope: ast.AST = fn.node if fn else tree
                use = _gather_result(node, scope)
                if use == "kept" and _inspects_exceptions(scope):
                    continue
                detail = {
                    "dropped": "its results (and the exceptions in them) are discarded",
                    "returned": "the exceptions are returned as values to every caller",
                    "kept": "no isinstance(result, Exception) test looks at the results",
                }[use]
                findings.append(
                    ReviewFinding(
                        CHECK,
                        "warning",
                        changed.path,
                        node.lineno,
                        f"gather(..., return_exceptions=True): {detail}",
                        "failed tasks turn into exception objects mixed into the results, so "
                        "errors pass silently as data; inspect each result, or use a TaskGroup "
                        "so a failure is raised",
                    )
                )
    return findings
