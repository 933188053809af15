"""Check ``behaviour``: changes a concurrency rewrite may make visible, for a person to confirm.

Not errors: reordered side effects, results in completion order, errors now
wrapped in an ``ExceptionGroup``, changed exception types or messages.
"""

from __future__ import annotations

import ast

from codeflash_lab.experiments.review.checks._ast import call_name, import_aliases
from codeflash_lab.experiments.review.context import FunctionSpan, ReviewContext, functions_in
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["check_behaviour"]

CHECK = "behaviour"

_CONSTRUCTS: dict[str, tuple[str, str]] = {
    "asyncio.gather": (
        "awaits now overlap (gather)",
        "results keep argument order, but side effects (writes, log lines, paginated requests) "
        "now interleave, and the first failure propagates while the other awaitables keep running",
    ),
    "asyncio.as_completed": (
        "results now arrive in completion order (as_completed)",
        "callers that relied on input order (pages, rows, ids) get a different order",
    ),
    "asyncio.wait": (
        "results now come from asyncio.wait's done set",
        "sets have no order: anything built from them is ordered differently run to run",
    ),
    "asyncio.TaskGroup": (
        "failures now surface as an ExceptionGroup (TaskGroup)",
        "callers catching the specific exception type need except* or unwrapping, and sibling "
        "tasks are cancelled on the first failure",
    ),
    "asyncio.wait_for": (
        "a timeout now bounds this await (wait_for)",
        "slow calls that used to succeed now raise TimeoutError",
    ),
    "asyncio.timeout": (
        "a timeout now bounds this block (asyncio.timeout)",
        "slow calls that used to succeed now raise TimeoutError",
    ),
}


def _constructs(fn: ast.AST, aliases: dict[str, str]) -> dict[str, int]:
    """First line of each construct used in ``fn``."""
    out: dict[str, int] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            name = call_name(node, aliases) or ""
            key = name if name in _CONSTRUCTS else None
            if key is None and name.endswith(".gather") and name != "asyncio.gather":
                key = "asyncio.gather" if name.split(".")[0] in {"asyncio", "trio"} else None
            if key is not None:
                out.setdefault(key, node.lineno)
    return out


def _raises(fn: ast.AST) -> dict[str, int]:
    return {
        ast.unparse(n.exc): n.lineno
        for n in ast.walk(fn)
        if isinstance(n, ast.Raise) and n.exc is not None
    }


def check_behaviour(ctx: ReviewContext) -> list[ReviewFinding]:
    """List behaviour changes of changed functions for a person to confirm.

    A construct counts when a changed function uses it at head and did not at
    base (same qualified name); a raise counts when its expression is new and
    the base function raised something else.

    Args:
        ctx: the review context.

    Returns:
        Info-level findings.
    """
    findings: list[ReviewFinding] = []
    for changed, tree in ctx.changed_python():
        aliases = import_aliases(tree)
        base_tree = ctx.tree("base", changed.old_path) if changed.old_path else None
        base_fns: dict[str, FunctionSpan] = (
            {f.qualname: f for f in functions_in(base_tree)} if base_tree else {}
        )
        base_aliases = import_aliases(base_tree) if base_tree else {}
        seen: set[tuple[int, str]] = set()
        for fn in functions_in(tree):
            if not changed.touches(fn.first, fn.last):
                continue
            old = base_fns.get(fn.qualname)
            old_constructs = _constructs(old.node, base_aliases) if old else {}
            for key, line in _constructs(fn.node, aliases).items():
                if key in old_constructs or not changed.touches(line, line):
                    continue
                if (line, key) in seen:
                    continue  # already reported for the enclosing function
                seen.add((line, key))
                what, why = _CONSTRUCTS[key]
                findings.append(
                    ReviewFinding(CHECK, "info", changed.path, line, f"{fn.qualname}: {what}", why)
                )
            if old is None:
                continue
            old_raises = _raises(old.node)
            if not old_raises:
                continue
            for expr, line in _raises(fn.node).items():
                if expr in old_raises or not changed.touches(line, line):
                    continue
                was = ", ".join(sorted(set(old_raises) - set(_raises(fn.node))))
                findings.append(
                    ReviewFinding(
                        CHECK,
                        "info",
                        changed.path,
                        line,
                        f"{fn.qualname} now raises {expr}" + (f" (was {was})" if was else ""),
                        "callers and tests matching the old exception type or message may break",
                    )
                )
    return findings
