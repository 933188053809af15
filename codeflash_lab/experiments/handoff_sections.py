"""HANDOFF.md's "Ranked targets" and "Next steps", from the scan, the profile and the log.

**Ranked targets.** Each finding of the latest saved scan is a candidate. Its score is

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

**Next steps**, first match wins for the opening line, then the list:

1. the plateau says stop (the experiment budget is spent) -> stop, review, report;
2. irreducible or diminishing returns -> review and report; one more experiment only
   on an untried category;
3. stuck -> the recovery checklist;
4. rotation due -> move to the next strategy family;
5. otherwise -> the top ranked target that is not done.

Then the untried categories: categories the scan found that no experiment in
results.tsv has tried yet, in ranking order. With no scan saved, the first step
is to run one; a saved scan with no finding points at the profile instead.
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
from codeflash_lab.categories import SLUGS, strategy_for
from codeflash_lab.errors import GitError
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment
from codeflash_lab.workspace.runs import load_runs

__all__ = [
    "CONFIDENCE_WEIGHTS",
    "RankedTarget",
    "next_steps",
    "rank_targets",
    "ranked_targets_markdown",
    "refresh_derived_sections",
]

#: How much a finding's confidence counts in its score.
CONFIDENCE_WEIGHTS: dict[str, float] = {"high": 1.0, "medium": 0.6, "low": 0.3}
#: How many ranked targets HANDOFF.md lists.
SHOWN = 8


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
    scan = scan if scan is not None else _latest(ws, "scan")
    profile = profile if profile is not None else _latest(ws, "profile")
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


def _latest(ws: Workspace, kind: str) -> dict[str, Any] | None:
    runs = load_runs(ws, kind)
    return runs[-1] if runs else None


def ranked_targets_markdown(
    targets: Sequence[RankedTarget], *, profiled: bool, scanned: bool = True
) -> str:
    """The "Ranked targets" section body."""
    if not scanned:
        return "_No scan saved yet: run `codeflash-lab scan` (it is saved) and a profile._"
    if not targets:
        return (
            "The latest saved scan found no async antipattern. Look for targets in the "
            "profile instead: rows reading 'itself slow' or 'waiting'."
        )
    open_ = [t for t in targets if not t.done]
    done = [t for t in targets if t.done]
    rule = (
        "Ranked by share of profiled wall time x finding confidence."
        if profiled
        else "No profile saved: in the scan's order (run `codeflash-lab profile` to rank by time)."
    )
    lines = [rule, ""]
    lines += [t.line() for t in open_[:SHOWN]] or ["_Every finding is done._"]
    if len(open_) > SHOWN:
        lines.append(f"- … and {len(open_) - SHOWN} more in the latest scan.")
    if done:
        where = ", ".join(f"`{t.where}`" for t in done[:5])
        lines.append(f"\nDone (a KEEP of the category changed the file): {where}")
    return "\n".join(lines)


def next_steps(
    targets: Sequence[RankedTarget],
    rows: Sequence[Experiment],
    status: Any | None,
    *,
    tried: set[str] | frozenset[str] = frozenset(),
    scanned: bool = True,
) -> list[str]:
    """The "Next steps" lines, by the rule in the module docstring.

    Args:
        targets: :func:`rank_targets` output.
        rows: the log's rows (their patterns count as tried).
        status: the plateau state, if any.
        tried: more patterns already tried (older rows not in ``rows``).
        scanned: a scan was saved (with no findings, ``targets`` is empty).
    """
    tried = {str(r.pattern) for r in rows} | set(tried)
    open_ = [t for t in targets if not t.done]
    top = open_[0] if open_ else None
    get = (
        (lambda name, default=None: getattr(status, name, default))
        if status
        else (lambda name, default=None: default)
    )
    steps: list[str] = []
    if not scanned:
        steps.append("Run `codeflash-lab scan` and a profile, so the targets can be ranked.")
    if get("stop"):
        steps.append(
            "Stop experimenting: the budget is spent. Run `codeflash-lab review`, prepare the PRs "
            "(`codeflash-lab prs`) and share `codeflash-lab report`."
        )
    elif get("irreducible") or get("diminishing_returns"):
        why = "irreducible (discards in a row)" if get("irreducible") else "diminishing returns"
        steps.append(
            f"Plateau: {why}. Run `codeflash-lab review` and the report; try one more experiment "
            "only on an untried category."
        )
    elif get("stuck"):
        steps.append("Stuck: work through the recovery checklist before the next experiment:")
        steps += [f"  - {s}" for s in get("stuck_checklist", ()) or ()]
    elif get("rotate"):
        nxt = get("next_strategy")
        pick = next((t for t in open_ if strategy_for(t.category) == nxt), None)
        target = f": `{pick.where}` ({pick.category})" if pick else ""
        steps.append(f"Rotate strategy to {nxt or 'another family'}{target}.")
    elif scanned and not targets:
        steps.append(
            "The scan found nothing: profile the slowest request and work on the rows "
            "reading 'itself slow' or 'waiting'."
        )
    elif top is not None:
        steps.append(
            f"Next experiment: `{top.where}`"
            + (f" in `{top.function}`" if top.function else "")
            + f" ({top.category}), the top ranked target."
        )
    untried = list(dict.fromkeys(t.category for t in open_ if t.category not in tried))
    untried = [c for c in untried if c in SLUGS] + [c for c in untried if c not in SLUGS]
    if untried:
        steps.append(
            "Untried categories in the scan: " + ", ".join(f"`{c}`" for c in untried) + "."
        )
    elif targets and not open_:
        steps.append("Every scanned finding is done: scan again, or profile under a new load.")
    return steps


def _rows_of(rows: Any, status: Any | None) -> tuple[list[Experiment], Any | None, set[str]]:
    """Rows from a sequence, or from a one-pass digest of the log (its newest keeps and
    discards, and every pattern it saw discarded, so "tried" stays complete); the
    digest also gives the plateau state when none is passed."""
    if not hasattr(rows, "keeps"):
        return list(rows), status, set()
    shown = sorted([*rows.keeps, *rows.discards], key=lambda t: t[0])
    tried = set(getattr(rows, "discards_by_pattern", {}) or {})
    return [r for _, r in shown], status if status is not None else rows.status(), tried


def refresh_derived_sections(
    workspace: Workspace | str | os.PathLike[str],
    rows: Any,
    status: Any | None = None,
) -> dict[str, str]:
    """Rewrite HANDOFF.md's "Ranked targets", "Next steps" and "Locked methodology".

    The first two come from the saved scan and profile and the log (see the module
    docstring); the lock section from ``.codeflash/methodology.json``. Nothing is
    written without a HANDOFF.md.

    Args:
        workspace: the project.
        rows: the log's rows, or a one-pass digest of it (``LedgerDigest``).
        status: the plateau state (:class:`~codeflash_lab.experiments.plateau.LedgerStatus`;
            default: the digest's).

    Returns:
        The ranked-targets and next-steps bodies.
    """
    from codeflash_lab.workspace.handoff import update_section
    from codeflash_lab.workspace.methodology import sync_handoff_lock

    ws = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
    rows, status, tried = _rows_of(rows, status)
    profiled = _latest(ws, "profile") is not None
    scanned = _latest(ws, "scan") is not None
    targets = rank_targets(ws, rows)
    bodies = {
        "Ranked targets": ranked_targets_markdown(targets, profiled=profiled, scanned=scanned),
        "Next steps": "\n".join(
            s if s.startswith("  ") else f"- {s}"
            for s in next_steps(targets, rows, status, tried=tried, scanned=scanned)
        ),
    }
    if ws.handoff_md.exists():
        for title, body in bodies.items():
            update_section(ws, title, body)
        sync_handoff_lock(ws)
    return bodies
