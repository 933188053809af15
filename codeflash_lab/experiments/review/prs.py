"""Group the kept commits into independent PRs and build local ``async/<slug>`` branches.

Commits that touch a common file go together (same function, or the same file
where one change would need the other's context); commits on disjoint files go
to separate PRs. Branches are built by cherry-picking onto the base in a
temporary worktree, so the user's checkout is never touched, and they are only
created once every group applied cleanly. Nothing is pushed.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab._git import repo_root, run_git
from codeflash_lab.errors import GitError, ReviewError
from codeflash_lab.experiments.review.checks.check_claims import commit_exists
from codeflash_lab.experiments.review.context import functions_in
from codeflash_lab.experiments.review.diff import (
    OPTIMIZE_BRANCH,
    default_base,
    file_at,
    merges_in_range,
    parse_diff,
    resolve_commit,
)
from codeflash_lab.experiments.review.evidence import keep_rows
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import Experiment

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BRANCH_PREFIX", "KeepCommit", "PrGroup", "PrPlan", "create_branches", "plan_prs"]

#: Prefix of the local branches built for PRs.
BRANCH_PREFIX = "async/"


@dataclass(frozen=True)
class KeepCommit:
    """A commit on the optimization branch that one or more KEEP rows point at.

    Attributes:
        sha: full commit SHA.
        subject: first line of the commit message.
        rows: the KEEP rows, with their results.tsv line numbers.
        files: files the commit changes (``.codeflash/`` excluded).
        functions: ``path:qualname`` of the functions it changes.
    """

    sha: str
    subject: str
    rows: tuple[tuple[int, Experiment], ...]
    files: tuple[str, ...]
    functions: tuple[str, ...]


@dataclass(frozen=True)
class PrGroup:
    """One independent PR: its slug, title and commits (in branch order)."""

    slug: str
    title: str
    commits: tuple[KeepCommit, ...]

    @property
    def branch(self) -> str:
        """``async/<slug>``."""
        return BRANCH_PREFIX + self.slug

    @property
    def files(self) -> tuple[str, ...]:
        """Every file the PR changes."""
        return tuple(sorted({f for c in self.commits for f in c.files}))

    @property
    def functions(self) -> tuple[str, ...]:
        """Every function the PR changes, as ``path:qualname``."""
        return tuple(sorted({f for c in self.commits for f in c.functions}))


@dataclass(frozen=True)
class PrPlan:
    """How the keeps split into PRs, before any branch exists.

    Attributes:
        repo: repository root.
        base_sha: the commit every PR branch starts from.
        branch_sha: tip of the optimization branch.
        groups: the PRs.
        skipped: notes on KEEP rows left out (commit not on the branch after the base).
        branches: names of the branches created (empty until :func:`create_branches`).
    """

    repo: Path
    base_sha: str
    branch_sha: str
    groups: tuple[PrGroup, ...]
    skipped: tuple[str, ...] = ()
    branches: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the plan."""
        return {
            "base_sha": self.base_sha,
            "branch_sha": self.branch_sha,
            "groups": [
                {
                    "slug": g.slug,
                    "branch": g.branch,
                    "title": g.title,
                    "commits": [c.sha for c in g.commits],
                    "files": list(g.files),
                    "functions": list(g.functions),
                    "head": self.branches.get(g.branch),
                }
                for g in self.groups
            ],
            "skipped": list(self.skipped),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per PR: branch, title, commits, files."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "branch": g.branch,
                    "title": g.title,
                    "commits": len(g.commits),
                    "files": ", ".join(g.files),
                }
                for g in self.groups
            ],
            columns=["branch", "title", "commits", "files"],
        )

    def to_text(self) -> str:
        """One paragraph per PR."""
        lines = [f"{len(self.groups)} PR(s) from {self.base_sha[:10]}"]
        for g in self.groups:
            lines.append(f"{g.branch}: {g.title}")
            for c in g.commits:
                lines.append(f"    {c.sha[:10]} {c.subject}")
        lines += [f"skipped: {s}" for s in self.skipped]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td><code>{html.escape(g.branch)}</code></td><td>{html.escape(g.title)}</td>"
            f"<td>{len(g.commits)}</td><td>{html.escape(', '.join(g.files))}</td></tr>"
            for g in self.groups
        )
        return (
            "<table><thead><tr><th>branch</th><th>title</th><th>commits</th><th>files</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )


def slugify(text: str, *, max_len: int = 40) -> str:
    """A branch-safe kebab-case slug of ``text`` (``"change"`` when nothing is left)."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-").split("-")
    slug = ""
    for w in words:
        if not w or len(slug) + len(w) + 1 > max_len:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug or "change"


def _changed_functions(root: Path, sha: str, paths: list[str]) -> list[str]:
    text = run_git(["diff", "-U0", "-M", "--no-color", "--no-ext-diff", f"{sha}^", sha], root)
    out: set[str] = set()
    for changed in parse_diff(text):
        if changed.path not in paths or not changed.is_python:
            continue
        for rev, path, ranges in (
            (sha, changed.path, changed.added),
            (f"{sha}^", changed.old_path, changed.removed),
        ):
            source = file_at(root, rev, path) if path else None
            if source is None:
                continue
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError):
                continue
            for fn in functions_in(tree):
                if any(a <= fn.last and fn.first <= b for a, b in ranges):
                    out.add(f"{changed.path}:{fn.qualname}")
    return sorted(out)


def _keep_commit(
    root: Path, sha: str, rows: list[tuple[int, Experiment]], skip_prefix: str
) -> KeepCommit:
    subject = run_git(["log", "-1", "--format=%s", sha], root).strip()
    names = run_git(["diff-tree", "--no-commit-id", "-r", "--name-only", "-M", sha], root)
    files = [p for p in names.splitlines() if p and not (skip_prefix and p.startswith(skip_prefix))]
    return KeepCommit(
        sha=sha,
        subject=subject,
        rows=tuple(rows),
        files=tuple(sorted(files)),
        functions=tuple(_changed_functions(root, sha, files)),
    )


def _group(commits: list[KeepCommit]) -> list[list[KeepCommit]]:
    parent = list(range(len(commits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, c in enumerate(commits):
        for f in c.files:
            if f in owner:
                parent[find(i)] = find(owner[f])
            else:
                owner[f] = i
    groups: dict[int, list[KeepCommit]] = {}
    for i, c in enumerate(commits):
        groups.setdefault(find(i), []).append(c)
    return sorted(groups.values(), key=lambda g: commits.index(g[0]))


def _is_ancestor(root: Path, rev: str, of: str) -> bool:
    try:
        run_git(["merge-base", "--is-ancestor", rev, of], root)
    except GitError:
        return False
    return True


def plan_prs(project: str | os.PathLike[str] = ".", *, base: str | None = None) -> PrPlan:
    """Group the KEEP commits of the optimization branch into independent PRs.

    Args:
        project: the project folder (holds ``.codeflash/results.tsv``).
        base: where PR branches start; ``None`` = where ``codeflash/optimize`` left main.

    Returns:
        The plan (nothing is written).

    Raises:
        ReviewError: no optimization branch, an unknown base, a merge commit on
            the branch after the base, no KEEP rows, or a KEEP row whose commit
            does not exist.
    """
    ws = Workspace(Path(project))
    root = repo_root(Path(project))
    if not run_git(["branch", "--list", OPTIMIZE_BRANCH], root).strip():
        raise ReviewError(
            f"{root}: no {OPTIMIZE_BRANCH!r} branch; PRs are built from the kept commits on it"
        )
    branch_sha = resolve_commit(root, OPTIMIZE_BRANCH, what="branch")
    base_sha = default_base(root)[1] if base is None else resolve_commit(root, base, what="base")
    merges = merges_in_range(root, base_sha, branch_sha)
    if merges:
        raise ReviewError(
            f"{OPTIMIZE_BRANCH} has merge commit(s) after the base ({merges[0][:10]}); "
            "cherry-picking around a merge is ambiguous: rebase the branch first"
        )
    on_branch = run_git(["rev-list", "--reverse", f"{base_sha}..{branch_sha}"], root).split()
    rows = keep_rows(ws.results_tsv)
    if not rows:
        raise ReviewError(f"{ws.results_tsv}: no KEEP rows, so there is nothing to put in a PR")
    by_sha: dict[str, list[tuple[int, Experiment]]] = {}
    skipped: list[str] = []
    for line, row in rows:
        if not commit_exists(root, row.commit):
            raise ReviewError(
                f"results.tsv line {line}: KEEP commit {row.commit!r} does not exist in the "
                "repository (history rewritten?); fix the row before preparing PRs"
            )
        sha = resolve_commit(root, row.commit)
        if sha not in on_branch:
            if not _is_ancestor(root, sha, base_sha):
                raise ReviewError(
                    f"results.tsv line {line}: KEEP commit {row.commit} is not in the history "
                    f"of {OPTIMIZE_BRANCH} (amended or rebased after recording?); re-record it"
                )
            skipped.append(
                f"results.tsv line {line}: {row.commit} is not on {OPTIMIZE_BRANCH} after "
                f"{base_sha[:10]}: already in the base"
            )
            continue
        by_sha.setdefault(sha, []).append((line, row))
    skip_prefix = ""
    if ws.root.is_relative_to(root):
        skip_prefix = ws.root.relative_to(root).as_posix() + "/"
    commits = [
        _keep_commit(root, sha, by_sha[sha], skip_prefix) for sha in on_branch if sha in by_sha
    ]
    groups: list[PrGroup] = []
    used: set[str] = set()
    for members in _group(commits):
        first = members[0].rows[0][1]
        slug = slugify(first.description or first.pattern or members[0].subject)
        candidate, n = slug, 2
        while candidate in used:
            candidate, n = f"{slug}-{n}", n + 1
        used.add(candidate)
        title = first.description or members[0].subject
        if not title.startswith("async:"):
            title = f"async: {title}"
        groups.append(PrGroup(candidate, title, tuple(members)))
    return PrPlan(root, base_sha, branch_sha, tuple(groups), tuple(skipped))


def create_branches(plan: PrPlan) -> PrPlan:
    """Build one local ``async/<slug>`` branch per PR by cherry-picking onto the base.

    Works in a temporary worktree (removed afterwards); branches are created only
    when every group applied cleanly, so a failure leaves the refs as they were.

    Args:
        plan: from :func:`plan_prs`.

    Returns:
        The plan with ``branches`` filled in (branch name -> head SHA).

    Raises:
        ReviewError: a branch already exists, or a commit does not apply on the
            base without commits of another group.
    """
    root = plan.repo
    existing = [
        g.branch for g in plan.groups if run_git(["branch", "--list", g.branch], root).strip()
    ]
    if existing:
        raise ReviewError(
            f"branch(es) already exist: {', '.join(existing)}; delete or rename them first"
        )
    heads: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="cfl-prs-") as tmp:
        hooks = Path(tmp) / "hooks"
        hooks.mkdir()
        tree = Path(tmp) / "worktree"
        run_git(["worktree", "add", "--quiet", "--detach", str(tree), plan.base_sha], root)
        try:
            for g in plan.groups:
                run_git(["checkout", "--quiet", "--detach", plan.base_sha], tree)
                for c in g.commits:
                    try:
                        run_git(["-c", f"core.hooksPath={hooks}", "cherry-pick", "-x", c.sha], tree)
                    except GitError as exc:
                        run_git(["cherry-pick", "--abort"], tree, check=False)
                        words = str(exc).lower()
                        if "conflict" in words or "could not apply" in words:
                            raise ReviewError(
                                f"{c.sha[:10]} ({c.subject}) does not apply on "
                                f"{plan.base_sha[:10]} for {g.branch}: it depends on a change "
                                "outside its group (an unkept commit or another PR); squash or "
                                "reorder the branch, or pass a later --base"
                            ) from None
                        raise ReviewError(
                            f"cherry-picking {c.sha[:10]} for {g.branch} failed: {exc}"
                        ) from None
                heads[g.branch] = run_git(["rev-parse", "HEAD"], tree).strip()
        finally:
            run_git(["worktree", "remove", "--force", str(tree)], root, check=False)
            run_git(["worktree", "prune"], root, check=False)
    for branch, sha in heads.items():
        run_git(["branch", branch, sha], root)
    return PrPlan(plan.repo, plan.base_sha, plan.branch_sha, plan.groups, plan.skipped, heads)
