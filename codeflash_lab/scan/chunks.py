"""Small reads in a loop on a thread-backed file (aiofiles, anyio): one thread hop per chunk.

``while chunk := await f.read(4096)`` on such a file sends every 4 KiB to a worker thread
and back; a bigger buffer (or one read in a thread) does the same work in far fewer hops.
Only small constant sizes count: bounded-memory streaming of a request body is deliberate
and its reader is not a thread-backed file.
"""

from __future__ import annotations

import ast

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.names import literal_int
from codeflash_lab.scan.registry import Hit

__all__ = ["SMALL_CHUNK", "small_chunk_reads"]

#: Reads up to this size per call count as small.
SMALL_CHUNK = 64 * 1024
_THREAD_FILES = frozenset({"aiofiles.file"})


def _small_read(ctx: FileContext, node: ast.AST) -> tuple[ast.Await, int] | None:
    if not (isinstance(node, ast.Await) and isinstance(node.value, ast.Call)):
        return None
    call = node.value
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("read", "readline", "read1")):
        return None
    size = _size(ctx, call.args[0]) if call.args else None
    if size is None or not 0 < size <= SMALL_CHUNK:
        return None
    if ctx.type_of(func.value, ctx.scope_of[call]) not in _THREAD_FILES:
        return None
    return node, size


def _size(ctx: FileContext, expr: ast.AST) -> int | None:
    """A constant size, or the constant default of the parameter that holds it."""
    size = literal_int(expr)
    if size is not None or not isinstance(expr, ast.Name):
        return size
    func = ctx.function_scope(ctx.scope_of[expr])
    if func is None:
        return None
    args = func.node.args  # type: ignore[attr-defined]
    positional = [*args.posonlyargs, *args.args]
    pairs = list(
        zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    )
    pairs += [
        (a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    ]
    for arg, default in pairs:
        if arg.arg == expr.id:
            return literal_int(default)
    return None


def small_chunk_reads(ctx: FileContext, loop: ast.While) -> Hit | None:
    """A ``while`` loop whose test or first statement awaits a small read of such a file."""
    candidates: list[ast.AST] = []
    test = loop.test
    if isinstance(test, ast.NamedExpr):
        candidates.append(test.value)
    if loop.body:
        first = loop.body[0]
        value = getattr(first, "value", None)
        if isinstance(first, ast.Assign | ast.AnnAssign | ast.Expr) and value is not None:
            candidates.append(value)
    for node in candidates:
        found = _small_read(ctx, node)
        if found is not None:
            aw, size = found
            return Hit(
                aw,
                f"the file is read in {size:,}-byte chunks, one worker-thread round trip each: "
                "use a bigger buffer (1 MiB) or read it whole in one thread call",
                confidence="high",
                gain="fewer thread hops: often several times faster for large files",
            )
    return None
