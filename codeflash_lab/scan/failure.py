"""A cheap file-system look-up that runs only after something failed.

``except OSError: if os.path.exists(tmp): ...``, or the statements after a ``try`` whose
body returns (``try: return await read(p)`` / ``except Exception as e: err = e``, then
``if os.path.exists(backup)``): the stat runs once per failure, to choose how to recover
or which error to give. It costs microseconds on a path the service rarely takes, so a
maintainer would not move it off the loop; such findings are reported at low confidence.
Reads, writes, deletions and listings on a failure path stay findings: they are real work,
and so does a stat that guards them (``if os.path.exists(tmp): os.remove(tmp)``).
"""

from __future__ import annotations

import ast

from codeflash_lab.scan.catalog import FUNCTIONS
from codeflash_lab.scan.context import FileContext

__all__ = ["LOOKUPS", "stat_on_failure_path"]

#: Metadata look-ups: one ``stat``-like system call each.
LOOKUPS = frozenset(
    {
        *(
            f"os.path.{f}"
            for f in (
                "exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize",
                "getmtime", "getatime", "getctime",
            )
        ),
        "os.stat", "os.lstat", "os.access",
        "Path.exists", "Path.is_file", "Path.is_dir", "Path.is_symlink", "Path.stat",
        "Path.lstat",
    }
)  # fmt: skip


def stat_on_failure_path(ctx: FileContext, call: ast.Call, name: str) -> bool:
    """True when ``name`` (the blocking call as shown) is a metadata look-up and ``call``
    runs only after an exception: in an ``except`` block, or after a ``try`` of the same
    function whose body always returns or raises."""
    if name not in LOOKUPS or _guards_file_work(ctx, call):
        return False
    scope = ctx.scope_of.get(call)
    chain = [*ctx.ancestors(call), *([scope.node] if scope is not None else [])]
    child: ast.AST = call
    for anc in chain:
        if isinstance(anc, ast.ExceptHandler):
            return True
        if isinstance(child, ast.stmt):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(anc, field, None)
                if isinstance(block, list) and child in block:
                    before = block[: block.index(child)]
                    if any(_returns_unless_it_fails(s) for s in before):
                        return True
        child = anc
    return False


def _returns_unless_it_fails(stmt: ast.stmt) -> bool:
    """``try: ...; return x`` with handlers that fall through: what follows the ``try``
    runs only when its body raised."""
    if not isinstance(stmt, ast.Try) or stmt.finalbody or stmt.orelse:
        return False
    if not stmt.body or not isinstance(stmt.body[-1], ast.Return | ast.Raise):
        return False
    return any(not isinstance(h.body[-1], ast.Return | ast.Raise) for h in stmt.handlers)


def _guards_file_work(ctx: FileContext, call: ast.Call) -> bool:
    """``if os.path.exists(tmp): os.remove(tmp)``: the stat belongs to the file work it
    guards, which is reported with it."""
    child: ast.AST = call
    for anc in ctx.ancestors(call):
        if isinstance(anc, ast.If) and child is anc.test:
            return any(
                isinstance(n, ast.Call) and FUNCTIONS.get(ctx.qualname(n.func) or "") == "file"
                for stmt in anc.body + anc.orelse
                for n in ast.walk(stmt)
            )
        if isinstance(anc, ast.stmt):
            return False
        child = anc
    return False
