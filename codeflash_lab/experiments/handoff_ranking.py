"""HANDOFF.md's "Ranked targets": every finding of the latest saved scan, scored by the profile.

Each finding of the latest saved scan is a candidate. Its score is

    share of profiled wall time x confidence

where *share* is the profiled wall time (``ttot``) of the function that holds the
finding, over the profile's wall time (coroutines that overlap can add up past
the wall time, so the largest row sets the scale when it is larger), and
*confidence* is the finding's confidence (``high`` 1.0, ``medium`` 0.6, ``low``
0.3; a number is taken as it is; none given counts as ``high``). Higher scores
come first; equal scores, findings in no profiled function, and every finding
when no profile was saved keep the scan's own order. A finding is *done* once a
KEEP of its category changed its file (the file list of the KEEP's record, else
the KEEP's commit); done findings leave the ranking and are counted below it.

:mod:`codeflash_lab.experiments.handoff_sections` writes the sections; this module
scores the targets.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeflash_lab._git import run_git
from codeflash_lab.errors import GitError
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment
from codeflash_lab.workspace.runs import load_runs

__all__ = ["CONFIDENCE_WEIGHTS", "RankedTarget", "latest_run", "rank_targets"]

#: How much a finding's confidence counts in its score.
CONFIDENCE_WEIGHTS: dict[str, float] = {"high": 1.0, "medium": 0.6, "low": 0.3}


@dataclass(frozen=True, slots=True)
class RankedTarget:
    """One finding, scored.

    Attributes:
        rank: 1 for the first.
        category: the antipattern slug.
        where: ``path:line`` of the finding.
        function: the function holding it (``""`` at module level or unreadable).
        message: the scanner's message.
        share: share of profiled wall time of that function (``None``: no profile
            saved, or the function is not in it).
        confidence: the weight used.
        score: ``share x confidence`` (0 without a share).
        done: a KEEP of this category changed this file.
    """

    rank: int
    category: str
    where: str
    function: str
    message: str
    share: float | None
    confidence: float
    score: float
    done: bool = False

    def line(self) -> str:
        """``1. `app.py:12` fetch (sequential-awaits): ... share 42% x confidence 1.0 = 0.42``."""
        fn = f" in `{self.function}`" if self.function else ""
        if self.share is None:
            why = f"not in the profile; scan order, confidence {self.confidence:g}"
        else:
            why = (
                f"{self.share:.0%} of profiled wall time x confidence {self.confidence:g} "
                f"= {self.score:.2f}"
            )
        return f"{self.rank}. `{self.where}`{fn} ({self.category}): {self.message} ({why})"


def _confidence(finding: Mapping[str, Any]) -> float:
    value = finding.get("confidence")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return max(0.0, min(1.0, float(value)))
    return CONFIDENCE_WEIGHTS.get(str(value or "high").lower(), 1.0)


def _resolve(project: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else project / p


_Spans = dict[Path, list[tuple[int, int, str, set[int]]]]


def _enclosing(path: Path, line: int, cache: _Spans) -> tuple[str, set[int]]:
    """The innermost function around ``line``: its qualified name and its first lines."""
    if path not in cache:
        spans: list[tuple[int, int, str, set[int]]] = []
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            tree = None

        def visit(node: ast.AST, parents: tuple[str, ...]) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    firsts = {child.lineno, *(d.lineno for d in child.decorator_list)}
                    name = ".".join((*parents, child.name))
                    spans.append((child.lineno, child.end_lineno or child.lineno, name, firsts))
                    visit(child, (*parents, child.name))
                elif isinstance(child, ast.ClassDef):
                    visit(child, (*parents, child.name))
                else:
                    visit(child, parents)

        if tree is not None:
            visit(tree, ())
        cache[path] = spans
    inside = [s for s in cache[path] if min(s[3]) <= line <= s[1]]
    if not inside:
        return "", set()
    _first, _last, name, firsts = max(inside, key=lambda s: s[0])
    return name, firsts


def _share_of(
    profile: Mapping[str, Any] | None, project: Path, path: Path, name: str, firsts: set[int]
) -> float | None:
    if not profile or not name:
        return None
    rows = [r for r in profile.get("rows") or [] if isinstance(r, dict)]
    scale = max([float(profile.get("wall_s") or 0.0), *(float(r.get("ttot_s") or 0) for r in rows)])
    if scale <= 0:
        return None
    bare = name.rsplit(".", 1)[-1]
    for r in rows:
        rpath = str(r.get("path") or "")
        if not rpath or _resolve(project, rpath).resolve() != path.resolve():
            continue
        line = int(r.get("line") or 0)
        if line in firsts or (not line and str(r.get("name") or "").endswith(bare)):
            return float(r.get("ttot_s") or 0.0) / scale
    return None


def _kept_files(ws: Workspace, rows: Sequence[Experiment]) -> dict[str, set[str]]:
    """category -> files its KEEPs changed (from each record's files, else the commit)."""
    by_commit: dict[str, tuple[str, ...]] = {}
    folder = ws.root / "experiments"
    if folder.is_dir():
        for p in folder.glob("*.json"):
            try:
                doc = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            commit = str((doc.get("steps") or {}).get("commit") or "")
            if commit and doc.get("files"):
                by_commit[commit] = tuple(str(f) for f in doc["files"])
    out: dict[str, set[str]] = {}
    for row in rows:
        if str(row.status).upper() != "KEEP" or not row.commit:
            continue
        files = next((f for c, f in by_commit.items() if c.startswith(row.commit)), None)
        if files is None:
            try:
                text = run_git(["show", "--name-only", "--format=", row.commit], ws.project)
            except GitError:
                text = ""
            files = tuple(text.split())
        out.setdefault(row.pattern, set()).update(files)
    return out


def rank_targets(
    ws: Workspace,
    rows: Sequence[Experiment] = (),
    *,
    scan: Mapping[str, Any] | None = None,
    profile: Mapping[str, Any] | None = None,
) -> list[RankedTarget]:
    """Score every finding of the latest scan (see the module docstring for the rule).

    Args:
        ws: the project's workspace.
        rows: the log's rows (which KEEPs changed which files).
        scan: a saved scan (default: the latest ``scan`` run).
        profile: a saved profile (default: the latest ``profile`` run).

    Returns:
        Open targets ranked best first, then the done ones (numbered on).
    """
    scan = scan if scan is not None else latest_run(ws, "scan")
    profile = profile if profile is not None else latest_run(ws, "profile")
    if not scan:
        return []
    kept = _kept_files(ws, rows)
    cache: _Spans = {}
    scored = []
    findings = [f for f in scan.get("findings") or [] if isinstance(f, dict)]
    for order, f in enumerate(findings):
        path = _resolve(ws.project, str(f.get("path") or ""))
        line = int(f.get("line") or 0)
        name, firsts = _enclosing(path, line, cache)
        share = _share_of(profile, ws.project, path, name, firsts)
        conf = _confidence(f)
        rel = os.path.relpath(path, ws.project) if path.is_absolute() else str(path)
        done = any(
            rel == k or rel.endswith("/" + k) or k.endswith("/" + rel)
            for k in kept.get(str(f.get("category") or ""), ())
        )
        scored.append((done, -(share or 0.0) * conf, order, f, rel, line, name, share, conf))
    scored.sort(key=lambda t: t[:3])
    return [
        RankedTarget(
            rank=i,
            category=str(f.get("category") or ""),
            where=f"{rel}:{line}",
            function=name,
            message=" ".join(str(f.get("message") or "").split()),
            share=share,
            confidence=conf,
            score=(share or 0.0) * conf,
            done=done,
        )
        for i, (done, _s, _o, f, rel, line, name, share, conf) in enumerate(scored, 1)
    ]


def latest_run(ws: Workspace, kind: str) -> dict[str, Any] | None:
    """The newest saved run of ``kind`` (``scan``, ``profile`` ...), or ``None``."""
    runs = load_runs(ws, kind)
    return runs[-1] if runs else None
