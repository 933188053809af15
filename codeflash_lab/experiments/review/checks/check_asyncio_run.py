"""Check ``asyncio-run``: new event-loop entry points in code that may already run in a loop.

``asyncio.run()`` and ``loop.run_until_complete()`` raise ``RuntimeError`` when a
loop is already running in the thread: Jupyter kernels, ASGI servers and async
test runners all call library code from inside one.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from codeflash_lab.experiments.review.checks._ast import (
    call_name,
    enclosing,
    import_aliases,
    main_guard_lines,
)
from codeflash_lab.experiments.review.context import FunctionSpan, ReviewContext, functions_in
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["check_asyncio_run", "is_test_file"]

CHECK = "asyncio-run"
_ENTRY_POINTS = {"asyncio.run", "asyncio.runners.run", "uvloop.run"}
_WHY = (
    "when the caller already runs an event loop (a Jupyter cell, an ASGI/aiohttp handler, "
    "a pytest-asyncio test) this raises RuntimeError; await the coroutine instead, or hand "
    "sync callers a separate entry point"
)


def _is_entry(call: ast.Call, aliases: dict[str, str]) -> str | None:
    name = call_name(call, aliases)
    if name in _ENTRY_POINTS:
        return name
    if isinstance(call.func, ast.Attribute) and call.func.attr == "run_until_complete":
        return "run_until_complete"
    return None


def _callers_in_async(functions: list[FunctionSpan], target: FunctionSpan) -> list[FunctionSpan]:
    """Async functions in the module that call ``target`` by name (directly or via self.)."""
    out = []
    for fn in functions:
        if not fn.is_async:
            continue
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
                if name == target.name:
                    out.append(fn)
                    break
    return out


def _module_name(path: str) -> str:
    p = PurePosixPath(path)
    parts = [*p.parent.parts, p.stem]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if parts and parts[0] == "src":
        parts = parts[1:]
    return ".".join(parts)


def _callers_elsewhere(
    files: list[tuple[str, ast.Module]], path: str, target: FunctionSpan
) -> list[str]:
    """``path:qualname`` of async functions in other changed modules that call ``target``.

    A call counts when the calling module imports the function from the target's
    module (``from pkg.mod import f``) or calls it through the module (``mod.f()``).
    """
    module = _module_name(path)
    full = f"{module}.{target.name}"
    out: list[str] = []
    for other_path, tree in files:
        if other_path == path:
            continue
        aliases = import_aliases(tree)
        for fn in functions_in(tree):
            if not fn.is_async:
                continue
            for node in ast.walk(fn.node):
                if isinstance(node, ast.Call) and call_name(node, aliases) == full:
                    out.append(f"{other_path}:{fn.qualname}")
                    break
    return out


def _script_like(path: str, fn: FunctionSpan | None, tree: ast.Module) -> bool:
    """A ``main()`` of a script or ``__main__.py``: it owns the process, so it may start a loop."""
    if PurePosixPath(path).name == "__main__.py":
        return fn is None or not fn.parents
    if fn is None or fn.parents:
        return False
    guard = main_guard_lines(tree)
    if not guard:
        return False
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == fn.name
        for n in ast.walk(tree)
        if getattr(n, "lineno", 0) in guard
    )


def is_test_file(path: str) -> bool:
    """Test modules drive their own loops from sync test functions; the check skips them."""
    p = PurePosixPath(path)
    return (
        p.name.startswith("test_")
        or p.name.endswith("_test.py")
        or p.name == "conftest.py"
        or any(part in {"tests", "test"} for part in p.parts[:-1])
    )


def check_asyncio_run(ctx: ReviewContext) -> list[ReviewFinding]:
    """Flag ``asyncio.run``/``run_until_complete`` added on changed lines.

    Inside an ``async def``, or in a sync function that an ``async def`` of the
    same module (or of another changed module importing it) calls, it is an error (it cannot work there). In any other
    importable function it is a warning. ``if __name__ == "__main__":`` blocks,
    the ``main()`` they call, and test modules are left alone.

    Args:
        ctx: the review context.

    Returns:
        The findings.
    """
    findings: list[ReviewFinding] = []
    changed_files = ctx.changed_python()
    trees = [(c.path, t) for c, t in changed_files]
    for changed, tree in changed_files:
        if is_test_file(changed.path):
            continue
        aliases = import_aliases(tree)
        functions = functions_in(tree)
        guard = main_guard_lines(tree)
        for node in ctx.changed_nodes(changed, tree):
            if not isinstance(node, ast.Call):
                continue
            entry = _is_entry(node, aliases)
            if entry is None or node.lineno in guard:
                continue
            fn = enclosing(functions, node.lineno)
            if fn is None and not guard and PurePosixPath(changed.path).name != "__main__.py":
                findings.append(
                    ReviewFinding(
                        CHECK,
                        "warning",
                        changed.path,
                        node.lineno,
                        f"{entry}() at module level runs a loop at import time",
                        "importing this module from a running loop (a notebook, a server, an "
                        "async test) raises RuntimeError; " + _WHY.split("; ", 1)[1],
                    )
                )
                continue
            if _script_like(changed.path, fn, tree):
                continue
            assert fn is not None
            if fn.is_async:
                findings.append(
                    ReviewFinding(
                        CHECK,
                        "error",
                        changed.path,
                        node.lineno,
                        f"{entry}() inside async def {fn.qualname}: a loop is always running here",
                        "it raises RuntimeError on every call ('cannot be called from a running "
                        "event loop'); await the coroutine directly",
                    )
                )
                continue
            callers = [c.qualname for c in _callers_in_async(functions, fn)]
            if not fn.parents:
                callers += _callers_elsewhere(trees, changed.path, fn)
            if callers:
                names = ", ".join(callers[:3])
                findings.append(
                    ReviewFinding(
                        CHECK,
                        "error",
                        changed.path,
                        node.lineno,
                        f"{entry}() in {fn.qualname}, which async code calls ({names})",
                        "those async callers run inside a loop, so the call raises RuntimeError; "
                        "make the function async and await it",
                    )
                )
            else:
                findings.append(
                    ReviewFinding(
                        CHECK,
                        "warning",
                        changed.path,
                        node.lineno,
                        f"{entry}() in {fn.qualname}: it fails when called from a running loop",
                        _WHY,
                    )
                )
    return findings
