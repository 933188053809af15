"""Analyse one file's bytes: decode, parse, run the rules, apply ``# noqa`` comments.

Pure and picklable-friendly: results are plain tuples so worker processes and the
cache can carry them; ``engine`` turns them into ``Finding`` records.
"""

from __future__ import annotations

import ast
import gc
import re
from collections.abc import Sequence

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.crossmodule import outgoing_calls, test_support
from codeflash_lab.scan.files import decode_source
from codeflash_lab.scan.finding import FileError
from codeflash_lab.scan.registry import Rule, all_rules

__all__ = ["Facts", "RawError", "RawFinding", "analyse", "analyse_bytes", "analyse_text"]

#: ``(line, col, code, message, fix override or "", confidence, gain, related lines)``
#: with 1-based line and column.
RawFinding = tuple[int, int, str, str, str, str, str, tuple[int, ...]]
#: ``(message, line, col)``.
RawError = tuple[str, int, int]
#: Calls from async code to names imported from other modules, for cross-module
#: following: ``(line, col, import level, dotted target, caller)``.
Facts = tuple[tuple[int, int, int, str, str, int], ...]

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_,\s-]+))?", re.IGNORECASE)
_LINTER_BLOCKING = re.compile(r"ASYNC2\d\d$")
_RULES: list[Rule] | None = None


def _rules() -> list[Rule]:
    global _RULES
    if _RULES is None:
        _RULES = all_rules()
    return _RULES


def _suppressed(line_text: str, code: str, category: str) -> bool:
    m = _NOQA.search(line_text)
    if m is None:
        return False
    codes = m.group("codes")
    if not codes:
        return True
    wanted = {c.strip().upper() for c in re.split(r"[,\s]+", codes) if c.strip()}
    if category == "blocking-call" and any(_LINTER_BLOCKING.match(w) for w in wanted):
        return True  # the same call silenced for ruff/flake8-async
    if category == "dangling-task" and wanted & {"RUF006", "ASYNC300"}:
        return True
    return any(code.startswith(w) for w in wanted) or category.upper() in wanted


def _parse(source: str | bytes, path: str) -> ast.Module | RawError:
    try:
        return ast.parse(source, filename=path)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        if "unicode error" in msg or "encoding problem" in msg:
            return (f"cannot decode: {msg}", 0, 0)
        return (f"syntax error: {msg}", exc.lineno or 0, exc.offset or 0)
    except (RecursionError, MemoryError):
        return ("cannot parse: the code is nested too deeply", 0, 0)
    except (ValueError, OverflowError) as exc:
        return (f"cannot parse: {exc}", 0, 0)


def _run_rules(
    tree: ast.Module,
    text: str,
    path: str,
    active: Sequence[Rule],
    target_version: tuple[int, int],
) -> tuple[list[RawFinding], list[RawError], Facts]:
    out: list[RawFinding] = []
    facts: Facts = ()
    try:
        ctx = FileContext(tree, text, path, target_version)
        facts = outgoing_calls(ctx)
        support = test_support(ctx)
        for rule in active:
            for hit in rule.check(ctx):
                line = getattr(hit.node, "lineno", 1)
                col = getattr(hit.node, "col_offset", 0) + 1
                out.append(
                    (
                        line,
                        col,
                        rule.code,
                        hit.message or rule.message,
                        hit.fix or "",
                        "low" if support else hit.confidence,
                        hit.gain,
                        tuple(hit.related),
                    )
                )
    except (RecursionError, MemoryError):
        return [], [("cannot analyse: the code is nested too deeply", 0, 0)], ()
    except Exception as exc:  # a rule bug must not stop the scan of other files
        msg = f"internal error while analysing: {type(exc).__name__}: {exc}"
        return [], [(msg, 0, 0)], ()
    if out:
        lines = text.splitlines()
        codes = {r.code: r.category for r in active}
        out = [
            f
            for f in sorted(set(out))
            if not (0 < f[0] <= len(lines) and _suppressed(lines[f[0] - 1], f[2], codes[f[2]]))
        ]
    return out, [], facts


def _active(raw: bytes, rules: Sequence[Rule] | None) -> list[Rule]:
    return [
        r for r in (rules if rules is not None else _rules()) if any(t in raw for t in r.tokens)
    ]


def analyse_text(
    text: str,
    path: str,
    *,
    rules: Sequence[Rule] | None = None,
    target_version: tuple[int, int] = (3, 11),
) -> tuple[list[RawFinding], list[RawError]]:
    """Run ``rules`` (default: all registered) over source ``text``.

    Never raises for bad input: syntax errors, too-deep nesting and rule failures come
    back as errors.
    """
    tree = _parse(text, path)
    if isinstance(tree, tuple):
        return [], [tree]
    active = _active(text.encode("utf-8", "surrogatepass"), rules)
    if not active:
        return [], []
    return _run_rules(tree, text, path, active, target_version)[:2]


def analyse_bytes(
    data: bytes, path: str, *, target_version: tuple[int, int] = (3, 11)
) -> tuple[list[RawFinding], list[RawError]]:
    """Parse ``data`` (PEP 263 encodings) and analyse it with every registered rule."""
    return analyse(data, path, target_version=target_version)[:2]


def analyse(
    data: bytes, path: str, *, target_version: tuple[int, int] = (3, 11)
) -> tuple[list[RawFinding], list[RawError], Facts]:
    """Findings, errors and cross-module facts of one file's bytes.

    The cyclic garbage collector is paused meanwhile: syntax trees hold no reference
    cycles, and collecting while hundreds of thousands of nodes are alive is slow.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _analyse_bytes(data, path, target_version)
    finally:
        if paused:
            gc.enable()


def _analyse_bytes(
    data: bytes, path: str, target_version: tuple[int, int]
) -> tuple[list[RawFinding], list[RawError], Facts]:
    if b"\x00" in data:
        return [], [("not scanned: the file contains NUL bytes", 0, 0)], ()
    tree = _parse(data, path)
    if isinstance(tree, tuple):
        if tree[0].startswith("cannot decode"):
            text = decode_source(data, path)
            if isinstance(text, FileError):
                return [], [(text.message, 0, 0)], ()
        return [], [tree], ()
    active = _active(data, None)
    if not active:
        return [], [], ()
    text = decode_source(data, path)
    if isinstance(text, FileError):
        return [], [(text.message, 0, 0)], ()
    return _run_rules(tree, text, path, active, target_version)
