"""Check ``duplication``: an added ``async def`` that mirrors an existing sync function.

Two copies of the same logic (``fetch`` and ``fetch_async``, ``Client.get`` and
``AsyncClient.get``) drift apart: a fix lands in one and not the other.
"""

from __future__ import annotations

import ast
import difflib
import re
from pathlib import PurePosixPath

from codeflash_lab._git import run_git
from codeflash_lab.experiments.review.context import FunctionSpan, ReviewContext, functions_in
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["body_similarity", "check_duplication", "twin_key"]

CHECK = "duplication"
#: Bodies at least this alike (0..1, after removing await/async) count as twins.
SIMILARITY = 0.75
#: Bar for the same plain name in a sibling module (method vs function, two modules).
NAMED_SIMILARITY = 0.5
#: Bar for a name with an async marker whose unmarked name exists (``get_async`` / ``get``).
MARKED_SIMILARITY = 0.3
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
        return ast.copy_location(ast.With(items=node.items, body=node.body), node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        self.generic_visit(node)
        loop = ast.For(target=node.target, iter=node.iter, body=node.body, orelse=node.orelse)
        return ast.copy_location(loop, node)


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


def _marked(fn: FunctionSpan) -> bool:
    """True when the name carries an async marker (``_async``, ``async_``, ``Async...``)."""
    return any(_strip_name(p) != p for p in (*fn.parents, fn.name))


def _related(a: FunctionSpan, b: FunctionSpan) -> bool:
    """One function is nested in the other (a wrapper and its inner function)."""
    qa, qb = a.qualname + ".", b.qualname + "."
    return qa.startswith(qb) or qb.startswith(qa)


def _twin_match(
    fn: FunctionSpan, path: str, other: FunctionSpan, other_path: str
) -> tuple[float, bool] | None:
    """``(similarity, matched by name)`` when ``other`` is a sync twin of ``fn``, else ``None``.

    A name carrying an async marker (``fetch_async`` for ``fetch``) needs bodies
    at least :data:`MARKED_SIMILARITY` alike; the same plain name in a sibling
    module :data:`NAMED_SIMILARITY`; a different name in the same file
    :data:`SIMILARITY` and at least three statements.
    """
    if other.name == "__init__" or (other_path == path and _related(fn, other)):
        return None
    same_dir = PurePosixPath(other_path).parent == PurePosixPath(path).parent
    if _strip_name(other.name) == _strip_name(fn.name):
        if _marked(fn) and twin_key(other) == twin_key(fn):
            floor = MARKED_SIMILARITY
        elif same_dir:
            floor = NAMED_SIMILARITY
        else:
            return None
        score = body_similarity(fn.node, other.node)
        return (score, True) if score >= floor else None
    if other_path != path or _statements(other) < 3:
        return None
    score = body_similarity(fn.node, other.node)
    return (score, False) if score >= SIMILARITY else None


def _neighbours_defining(ctx: ReviewContext, per_file: dict[str, list[FunctionSpan]]) -> list[str]:
    """Unchanged sibling modules with a ``def`` whose name holds a new async function's name."""
    names = {
        re.escape(_strip_name(fn.name))
        for fns in per_file.values()
        for fn in fns
        if fn.is_async and len(_strip_name(fn.name)) > 1
    }
    paths = [p for p in ctx.neighbour_python_files() if p not in per_file]
    if not names or not paths:
        return []
    pattern = (
        r"def[[:space:]]+(async_|aio_)?("
        + "|".join(sorted(names))
        + r")_?(async|aio|Async)?[[:space:]]*\("
    )
    try:
        out = run_git(
            ["grep", "-l", "-E", "-I", "-e", pattern, ctx.diff.head_sha, "--", *paths],
            ctx.repo,
            check=False,
        )
    except UnicodeDecodeError:
        return paths
    prefix = f"{ctx.diff.head_sha}:"
    return [line[len(prefix) :] for line in out.splitlines() if line.startswith(prefix)]


def check_duplication(ctx: ReviewContext) -> list[ReviewFinding]:
    """Flag added async functions that have a sync twin in the changed files.

    A twin is a sync function whose name matches once async markers are removed
    (``async_``/``_async`` affixes, an ``Async`` class prefix) with a body alike
    enough, or a sync function in the same file whose body is at least
    :data:`SIMILARITY` alike (see :func:`_twin_match`).

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
    for path in _neighbours_defining(ctx, per_file):
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
            for path, other in sync_defs:
                match = _twin_match(fn, changed.path, other, path)
                if match is None:
                    continue
                score, by_name = match
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
