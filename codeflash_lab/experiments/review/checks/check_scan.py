"""Check ``scan``: the static scanner run over the changed files, kept to the changed lines."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from codeflash_lab.experiments.review.context import ReviewContext
from codeflash_lab.experiments.review.model import ReviewFinding

__all__ = ["check_scan", "scanner_available"]

CHECK = "scan"
#: Categories another review check already reports with more context.
_COVERED_ELSEWHERE = {"asyncio-run-in-async"}


def _scan_source() -> Callable[..., Any] | None:
    module = importlib.import_module("codeflash_lab.scan")
    fn = getattr(module, "scan_source", None)
    return fn if callable(fn) else None


def scanner_available() -> bool:
    """True when ``codeflash_lab.scan`` provides ``scan_source``."""
    return _scan_source() is not None


def check_scan(ctx: ReviewContext) -> list[ReviewFinding]:
    """Scan each changed Python file at head and keep findings on added/changed lines.

    HIGH-impact findings are warnings, MEDIUM ones are info.

    Args:
        ctx: the review context.

    Returns:
        The findings (none when the scanner is not available).
    """
    scan_source = _scan_source()
    if scan_source is None:
        ctx.note(CHECK, "skipped", "the scanner is not available")
        return []
    version = ctx.setup().get("python") or None
    findings: list[ReviewFinding] = []
    for changed, _tree in ctx.changed_python():
        text = ctx.source("head", changed.path)
        if text is None:
            continue
        result = scan_source(text, changed.path, target_version=version)
        lines = changed.added_lines
        for f in result.findings:
            if f.line not in lines or f.category in _COVERED_ELSEWHERE:
                continue
            confidence = getattr(f, "confidence", "high")
            if confidence == "low":
                continue  # the scanner's default view leaves these out too
            findings.append(
                ReviewFinding(
                    CHECK,
                    "warning" if str(f.impact).upper() == "HIGH" else "info",
                    changed.path,
                    int(f.line),
                    f"{f.code} [{f.category}] ({confidence} confidence) {f.message}",
                    f.fix,
                )
            )
    return findings
