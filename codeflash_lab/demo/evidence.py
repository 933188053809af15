"""Baseline evidence on the demo: the static scan of the service."""

from __future__ import annotations

from collections import Counter

from codeflash_lab.demo.context import DemoContext
from codeflash_lab.scan import scan_paths
from codeflash_lab.workspace import save_run

__all__ = ["scan_baseline"]


def scan_baseline(ctx: DemoContext) -> int:
    """Scan the service's package, save the findings (runs/ kind ``scan``), say what was found.

    Returns:
        The number of findings.
    """
    result = scan_paths([ctx.demo.project / "shopfront"], cache=False)
    findings = [f.to_dict() for f in result.findings]
    for item in findings:
        item["path"] = _relative(ctx, str(item["path"]))
    save_run(ctx.workspace, "scan", {"findings": findings, "files_scanned": result.files_scanned})
    by_impact = Counter(f.impact for f in result.findings)
    kinds = ", ".join(
        f"{n} {slug}" for slug, n in Counter(f.category for f in result.findings).items()
    )
    ctx.say(
        f"[baseline] Static scan: {len(findings)} findings in {result.files_scanned} files "
        f"({by_impact.get('HIGH', 0)} HIGH, {by_impact.get('MEDIUM', 0)} MEDIUM): {kinds}"
    )
    return len(findings)


def _relative(ctx: DemoContext, path: str) -> str:
    root = str(ctx.demo.project) + "/"
    return path[len(root) :] if path.startswith(root) else path
