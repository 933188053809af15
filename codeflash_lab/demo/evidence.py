"""Baseline evidence on the demo: the static scan, asyncio debug mode and a yappi profile.

Each result is saved in ``.codeflash/runs/`` (kinds ``scan``, ``debug``, ``profile``)
and summed up in one progress line.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from codeflash_lab.demo.context import DemoContext
from codeflash_lab.experiments import baseline_line
from codeflash_lab.scan import scan_paths
from codeflash_lab.workspace import save_run

if TYPE_CHECKING:
    from codeflash_lab.profiling import DebugReport

#: Slow-callback threshold of the debug-mode pass.
SLOW_MS = 5.0

__all__ = [
    "blocking_sites",
    "confirm_findings",
    "debug_baseline",
    "debug_scenarios",
    "profile_scenario",
    "scan_baseline",
]


def _relative(ctx: DemoContext, path: str) -> str:
    root = str(ctx.demo.project) + os.sep
    return path[len(root) :] if path.startswith(root) else path


def scan_baseline(ctx: DemoContext) -> int:
    """Scan the service's package, save the findings (runs/ kind ``scan``), say what was found.

    Returns:
        The number of findings.
    """
    result = scan_paths([ctx.demo.project / "shopfront"], cache=False)
    ctx.findings = result.findings
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


def debug_scenarios(ctx: DemoContext, *, names: tuple[str, ...] = ()) -> DebugReport:
    """Run the service's scenarios under asyncio debug mode (a child process).

    The slow-callback threshold (5 ms, or half the upstream latency when that is
    lower) is low enough for the blocking upstream call and the key derivation
    to show up however the demo is scaled.
    """
    from codeflash_lab.profiling import run_debug

    assert ctx.upstream is not None
    cmd = [sys.executable, "-m", "scenarios", *names]
    cmd += ["--upstream", ctx.upstream.url, "--calls", str(ctx.settings.profile_calls)]
    return run_debug(
        cmd,
        threshold_ms=SLOW_MS if ctx.settings.latency_ms >= 2 * SLOW_MS else 2.5,
        cwd=ctx.demo.project,
        timeout_s=120,
    )


def blocking_sites(ctx: DemoContext, report: DebugReport) -> set[str]:
    """Where slow callbacks held the loop in the service's own code.

    Each site is ``file:line: source`` (the source line as it reads now), so a
    site still counts as the same one after the file around it was edited.
    """
    sites = set()
    for record in report.slow_callbacks:
        path = _relative(ctx, record.path or "")
        if path.startswith("shopfront" + os.sep) and record.line:
            sites.add(f"{path}:{record.line}: {_source_line(ctx, path, record.line)}")
    return sites


def _source_line(ctx: DemoContext, path: str, line: int) -> str:
    try:
        lines = (ctx.demo.project / path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


@contextmanager
def _service_importable(ctx: DemoContext) -> Iterator[None]:
    """Let this process import the service for an in-process profile, then forget it again."""
    assert ctx.upstream is not None
    old_env = os.environ.get("SHOPFRONT_UPSTREAM")
    os.environ["SHOPFRONT_UPSTREAM"] = ctx.upstream.url
    old_path = list(sys.path)
    try:
        yield
    finally:
        if old_env is None:
            os.environ.pop("SHOPFRONT_UPSTREAM", None)
        else:
            os.environ["SHOPFRONT_UPSTREAM"] = old_env
        sys.path[:] = old_path
        ours = ("shopfront", "scenarios")
        for name in [m for m in sys.modules if m.split(".", 1)[0] in ours]:
            del sys.modules[name]


def profile_scenario(ctx: DemoContext, name: str = "process_order") -> None:
    """yappi WALL profile of one scenario; saved (kind ``profile``) and summed up."""
    from codeflash_lab.profiling import profile_callable
    from codeflash_lab.targets import resolve_callable

    calls = ctx.settings.profile_calls
    with _service_importable(ctx):
        func = resolve_callable(f"scenarios:{name}", cwd=str(ctx.demo.project))
        result = profile_callable(func, calls, top=20, label=f"scenarios:{name}")
    save_run(ctx.workspace, "profile", result.to_dict())
    # The scenario, the application's lifetime and its background worker span the whole
    # run: skip them to show the request path.
    skip = {"_state", "started_app", "_ship_forever", name}
    top = [r for r in result.rows if r.name.rsplit(".", 1)[-1] not in skip][:4]
    text = ", ".join(
        f"{r.name} x{r.ncall} {r.ttot_s / r.ncall * 1000:.0f}ms each "
        f"(own {r.tsub_s / r.ncall * 1000:.1f}ms)"
        for r in top
        if r.ncall
    )
    ctx.say(f"[baseline] yappi (wall), {calls} {name} requests: {text}")


def debug_baseline(ctx: DemoContext) -> set[str]:
    """Debug mode at baseline: save the capture and print the workflow's baseline line.

    Returns:
        The blocking sites found (see :func:`blocking_sites`).
    """
    report = debug_scenarios(ctx)
    ctx.debug_before = report
    save_run(ctx.workspace, "debug", report.to_dict())
    sites = blocking_sites(ctx, report)
    line = baseline_line(slow_callbacks=len(report.slow_callbacks), blocking_calls=len(sites))
    where = ", ".join(sorted(site.split(": ", 1)[0] for site in sites))
    ctx.say(line + (f" ({where})" if sites else ""))
    return sites


def confirm_findings(ctx: DemoContext) -> set[str]:
    """Cross-check the scan against the baseline's debug capture; say what runtime confirms.

    Returns:
        The files (relative to the project) holding a finding seen happening at runtime.
    """
    from codeflash_lab.profiling import crosscheck

    if ctx.debug_before is None:
        return set()
    check = crosscheck(ctx.findings, ctx.debug_before)
    files = set()
    parts = []
    for c in check.confirmed:
        path = _relative(ctx, str(c.finding.get("path", "")))
        files.add(path)
        worst = f", worst {c.worst_ms:.0f} ms" if c.worst_ms is not None else ""
        parts.append(f"{c.finding.get('category')} at {path}:{c.finding.get('line')}{worst}")
    if parts:
        ctx.say(f"[baseline] Debug mode confirms at runtime: {'; '.join(parts)}")
    return files
