"""Check ``duplication``: an added ``async def`` that mirrors an existing sync function.

Two copies of the same logic (``fetch`` and ``fetch_async``, ``Client.get`` and
``AsyncClient.get``) drift apart: a fix lands in one and not the other.
"""

from __future__ import annotations

import ast
import difflib
import re

from codeflash_lab.experiments.review.context import FunctionSpan, ReviewContext, functions_in
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["body_similarity", "check_duplication", "twin_key"]

CHECK = "duplication"
#: Bodies at least this alike (0..1, after removing await/async) count as twins.
SIMILARITY = 0.75
#: Looser bar when the function names match but their classes differ (method vs function).
NAMED_SIMILARITY = 0.5
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+|\S")


def _strip_name(name: str) -> str:
    for prefix in ("async_", "aio_"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    for suffix in ("_async", "_aio", "async", "Async"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)].rstrip("_")
    if name.startswith("Async") and len(name) > 5:
        return name[5:]
    return name


def twin_key(fn: FunctionSpan) -> str:
    """A name with async markers removed: ``AsyncClient.get_async`` -> ``Client.get``."""
    parts = [*fn.parents, fn.name]
    return ".".join(_strip_name(p) for p in parts)


class _Unasync(ast.NodeTransformer):
    def visit_Await(self, node: ast.Await) -> ast.AST:
        return self.visit(node.value)  # type: ignore[no-any-return]

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        self.generic_visit(node)
        return ast.With(items=node.items, body=node.body, type_comment=None)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        self.generic_visit(node)
        return ast.For(target=node.target, iter=node.iter, body=node.body, orelse=node.orelse)


def _body_tokens(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    copy = ast.parse(ast.unparse(ast.Module(body=body, type_ignores=[])))
    text = ast.unparse(_Unasync().visit(copy))
    text = re.sub(r"\b(async_|a)(?=[a-z_]\w*\()", "", text)
    return _TOKEN.findall(text)


def body_similarity(
    a: ast.FunctionDef | ast.AsyncFunctionDef, b: ast.FunctionDef | ast.AsyncFunctionDef
) -> float:
    """How alike two bodies are (0..1) once ``await``/``async with``/``async for`` are removed."""
    ta, tb = _body_tokens(a), _body_tokens(b)
    if not ta or not tb:
        return 0.0
    return difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).ratio()


def _statements(fn: FunctionSpan) -> int:
    return sum(isinstance(n, ast.stmt) for n in ast.walk(fn.node)) - 1


def check_duplication(ctx: ReviewContext) -> list[ReviewFinding]:
    """Flag added async functions that have a sync twin in the changed files.

    A twin is a sync function whose name matches once async markers are removed
    (``async_``/``_async`` affixes, an ``Async`` class prefix), or a sync function
    in the same file whose body is at least :data:`SIMILARITY` alike.

    Args:
        ctx: the review context.

    Returns:
        One warning per added async function with a twin.
    """
    files = ctx.changed_python()
    sync_defs: list[tuple[str, FunctionSpan]] = []
    per_file: dict[str, list[FunctionSpan]] = {}
    for changed, tree in files:
        fns = functions_in(tree)
        per_file[changed.path] = fns
        sync_defs += [(changed.path, fn) for fn in fns if not fn.is_async]
    for path in ctx.neighbour_python_files():
        if path in per_file:
            continue
        near = ctx.tree("head", path)
        if near is not None:
            sync_defs += [(path, fn) for fn in functions_in(near) if not fn.is_async]
    findings: list[ReviewFinding] = []
    for changed, _tree in files:
        base_tree = ctx.tree("base", changed.old_path) if changed.old_path else None
        base_async = (
            {fn.qualname for fn in functions_in(base_tree) if fn.is_async} if base_tree else set()
        )
        for fn in per_file[changed.path]:
            if not fn.is_async or fn.first not in changed.added_lines:
                continue
            if fn.qualname in base_async:
                continue  # not new: an existing async function was edited
            best: tuple[float, str, FunctionSpan, bool] | None = None
            key = twin_key(fn)
            bare = _strip_name(fn.name)
            for path, other in sync_defs:
                if other.name == "__init__":
                    continue
                same_bare = _strip_name(other.name) == bare
                by_name = same_bare and twin_key(other) == key
                if not same_bare and (path != changed.path or _statements(other) < 3):
                    continue
                score = body_similarity(fn.node, other.node)
                if not by_name and score < (NAMED_SIMILARITY if same_bare else SIMILARITY):
                    continue
                if best is None or (by_name, score) > (best[3], best[0]):
                    best = (score, path, other, by_name)
            if best is None:
                continue
            score, path, twin, by_name = best
            how = "same name once async markers are removed" if by_name else "alike bodies"
            findings.append(
                ReviewFinding(
                    CHECK,
                    "warning",
                    changed.path,
                    fn.first,
                    f"new async def {fn.qualname} mirrors sync {twin.qualname} at "
                    f"{path}:{twin.first} ({how}, bodies {score:.0%} alike)",
                    "two copies of one logic drift: the next fix lands in one of them only; "
                    "keep one implementation (async, with a thin sync wrapper or "
                    "asyncio.to_thread for the other side)",
                )
            )
    return findings
