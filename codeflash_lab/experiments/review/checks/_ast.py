"""AST helpers shared by the checks: dotted names with import aliases resolved, scopes."""

from __future__ import annotations

import ast

from codeflash_lab.experiments.review.context import FunctionSpan

__all__ = [
    "call_name",
    "dotted",
    "enclosing",
    "import_aliases",
    "is_main_guard",
    "main_guard_lines",
]


def import_aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> full dotted name for every import in ``tree``.

    ``import aiohttp as ah`` maps ``ah`` to ``aiohttp``; ``from httpx import
    AsyncClient as C`` maps ``C`` to ``httpx.AsyncClient``.
    """
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = a.name
                else:
                    out[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def call_name(call: ast.Call, aliases: dict[str, str]) -> str | None:
    """The called name with its first part resolved through ``aliases``.

    ``ah.ClientSession()`` with ``import aiohttp as ah`` gives ``aiohttp.ClientSession``.
    """
    name = dotted(call.func)
    if name is None:
        return None
    first, _, rest = name.partition(".")
    full = aliases.get(first, first)
    return f"{full}.{rest}" if rest else full


def enclosing(functions: list[FunctionSpan], line: int) -> FunctionSpan | None:
    """The innermost function whose span holds ``line``."""
    best: FunctionSpan | None = None
    for fn in functions:
        if fn.first <= line <= fn.last and (best is None or fn.first >= best.first):
            best = fn
    return best


def is_main_guard(node: ast.AST) -> bool:
    """True for ``if __name__ == "__main__":``."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    t = node.test
    names = [t.left, *t.comparators]
    has_name = any(isinstance(n, ast.Name) and n.id == "__name__" for n in names)
    has_main = any(isinstance(n, ast.Constant) and n.value == "__main__" for n in names)
    return has_name and has_main


def main_guard_lines(tree: ast.Module) -> set[int]:
    """Line numbers inside top-level ``if __name__ == "__main__":`` blocks."""
    lines: set[int] = set()
    for node in tree.body:
        if is_main_guard(node):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines
