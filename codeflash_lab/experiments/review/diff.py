"""The reviewed range: base and head commits, changed files and changed line ranges.

The default base is where the optimization branch left the main branch (their
merge-base). Ranges that contain merge commits are refused: their diffs mix
other people's work into the change under review.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from codeflash_lab._git import repo_root, run_git
from codeflash_lab.errors import GitError, ReviewError

__all__ = [
    "MAIN_BRANCHES",
    "OPTIMIZE_BRANCH",
    "ChangedFile",
    "DiffRange",
    "file_at",
    "load_diff",
    "parse_diff",
    "resolve_commit",
]

#: The branch every kept optimization is committed to.
OPTIMIZE_BRANCH = "codeflash/optimize"
#: Names tried, in order, for the branch the optimization branch started from.
MAIN_BRANCHES: tuple[str, ...] = ("main", "master", "trunk")

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One file changed between base and head.

    Attributes:
        path: path at head (at base for a deleted file), relative to the repository root.
        old_path: path at base (differs from ``path`` for a rename; ``None`` when added).
        status: ``"added"``, ``"modified"``, ``"deleted"`` or ``"renamed"``.
        added: 1-based line ranges ``(first, last)`` added or changed at head.
        removed: 1-based line ranges ``(first, last)`` removed or changed at base.
    """

    path: str
    old_path: str | None
    status: str
    added: tuple[tuple[int, int], ...]
    removed: tuple[tuple[int, int], ...]

    @property
    def added_lines(self) -> frozenset[int]:
        """Every added/changed line number at head."""
        return frozenset(n for a, b in self.added for n in range(a, b + 1))

    def touches(self, first: int, last: int) -> bool:
        """True when an added range overlaps lines ``first..last`` at head."""
        return any(a <= last and first <= b for a, b in self.added)

    @property
    def is_python(self) -> bool:
        """True for ``.py``/``.pyi`` files."""
        return self.path.endswith((".py", ".pyi"))


@dataclass(frozen=True)
class DiffRange:
    """The range under review.

    Attributes:
        repo: the repository root.
        base: the base revision as named (a merge-base SHA when found automatically).
        head: the head revision as named.
        base_sha: full SHA of the base.
        head_sha: full SHA of the head.
        files: the changed files, in path order.
    """

    repo: Path
    base: str
    head: str
    base_sha: str
    head_sha: str
    files: tuple[ChangedFile, ...]

    def file(self, path: str) -> ChangedFile | None:
        """The changed file at ``path`` (head path), or ``None``."""
        return next((f for f in self.files if f.path == path), None)

    @property
    def python_files(self) -> tuple[ChangedFile, ...]:
        """Changed Python files that still exist at head."""
        return tuple(f for f in self.files if f.is_python and f.status != "deleted")


def _unquote(path: str) -> str:
    if len(path) >= 2 and path[0] == path[-1] == '"':
        raw = codecs.escape_decode(path[1:-1].encode("utf-8"))[0]
        return bytes(raw).decode("utf-8", errors="replace")
    return path


@dataclass
class _Acc:
    old: str | None = None
    new: str | None = None
    status: str = "modified"
    added: list[tuple[int, int]] = field(default_factory=list)
    removed: list[tuple[int, int]] = field(default_factory=list)

    def build(self) -> ChangedFile:
        status = self.status
        path = self.new if self.new is not None else (self.old or "")
        if status == "modified" and self.old and self.new and self.old != self.new:
            status = "renamed"
        if status == "deleted":
            path = self.old or path
        return ChangedFile(
            path=path,
            old_path=None if status == "added" else (self.old or path),
            status=status,
            added=tuple(self.added) if status != "deleted" else (),
            removed=tuple(self.removed),
        )


def parse_diff(text: str) -> tuple[ChangedFile, ...]:
    """Parse ``git diff -U0 -M`` output into changed files with their line ranges.

    Args:
        text: the diff text (``--no-color``, zero context lines).

    Returns:
        One :class:`ChangedFile` per file, sorted by path.
    """
    accs: list[_Acc] = []
    for line in text.splitlines():
        if line.startswith("diff --git "):
            cur = _Acc()
            accs.append(cur)
            m = re.match(r'^("?)a/(.*)\1 ("?)b/(.*)\3$', line[len("diff --git ") :])
            if m:
                cur.old = _unquote(f'"{m.group(2)}"') if m.group(1) else m.group(2)
                cur.new = _unquote(f'"{m.group(4)}"') if m.group(3) else m.group(4)
            continue
        if not accs:
            continue
        cur = accs[-1]
        if line.startswith("new file mode"):
            cur.status = "added"
        elif line.startswith("deleted file mode"):
            cur.status = "deleted"
        elif line.startswith("rename from "):
            cur.old = _unquote(line[len("rename from ") :])
        elif line.startswith("rename to "):
            cur.new = _unquote(line[len("rename to ") :])
        elif line.startswith("--- ") and line[4:] != "/dev/null":
            cur.old = _unquote(line[4:])[2:]
        elif line.startswith("+++ "):
            if line[4:] == "/dev/null":
                cur.status = "deleted"
            else:
                cur.new = _unquote(line[4:])[2:]
        elif line.startswith("@@"):
            m = _HUNK.match(line)
            if not m:
                continue
            old_start, old_len = int(m.group(1)), int(m.group(2) or "1")
            new_start, new_len = int(m.group(3)), int(m.group(4) or "1")
            if new_len:
                cur.added.append((new_start, new_start + new_len - 1))
            if old_len:
                cur.removed.append((old_start, old_start + old_len - 1))
    return tuple(sorted((a.build() for a in accs), key=lambda f: f.path))


def resolve_commit(repo: str | os.PathLike[str], rev: str, *, what: str = "revision") -> str:
    """Full SHA of ``rev`` as a commit.

    Raises:
        ReviewError: ``rev`` does not name a commit in the repository.
    """
    if not rev or rev.startswith("-"):
        raise ReviewError(f"{what} {rev!r} is not a valid revision name")
    try:
        return run_git(
            ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], Path(repo)
        ).strip()
    except GitError:
        raise ReviewError(f"{what} {rev!r} does not exist in {repo}") from None


def _branch_exists(repo: Path, name: str) -> bool:
    out = run_git(["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], repo, check=False)
    return bool(out.strip())


def default_base(repo: str | Path) -> tuple[str, str]:
    """Where the optimization branch left the main branch: ``(description, sha)``.

    Raises:
        ReviewError: there is no ``codeflash/optimize`` branch, or no main branch.
    """
    root = Path(repo)
    if not _branch_exists(root, OPTIMIZE_BRANCH):
        raise ReviewError(
            f"{root}: no {OPTIMIZE_BRANCH!r} branch, so there is no default base; create it "
            "with the experiment loop, or pass --base REV"
        )
    main = next((b for b in MAIN_BRANCHES if _branch_exists(root, b)), None)
    if main is None:
        raise ReviewError(
            f"{root}: none of the branches {', '.join(MAIN_BRANCHES)} exists to find where "
            f"{OPTIMIZE_BRANCH!r} started; pass --base REV"
        )
    try:
        sha = run_git(["merge-base", main, OPTIMIZE_BRANCH], root).strip()
    except GitError:
        raise ReviewError(f"{root}: {OPTIMIZE_BRANCH!r} and {main!r} share no history") from None
    return f"merge-base({main}, {OPTIMIZE_BRANCH})", sha


def merges_in_range(repo: str | Path, base_sha: str, head_sha: str) -> list[str]:
    """SHAs of merge commits in ``base..head`` (newest first)."""
    out = run_git(["rev-list", "--merges", f"{base_sha}..{head_sha}"], repo)
    return out.split()


def load_diff(
    project: str | os.PathLike[str], *, base: str | None = None, head: str = "HEAD"
) -> DiffRange:
    """Resolve the range and read its changed files and line ranges.

    Args:
        project: a folder inside the repository.
        base: base revision; ``None`` = merge-base of the main branch and ``codeflash/optimize``.
        head: head revision (default ``HEAD``).

    Raises:
        ReviewError: unknown base or head, no optimization branch (without ``base``),
            a base that is not an ancestor of head, or a merge commit in the range.
        NotAGitRepositoryError: ``project`` is not in a git repository.
    """
    root = repo_root(Path(project))
    head_sha = resolve_commit(root, head, what="head")
    if base is None:
        base_name, base_sha = default_base(root)
    else:
        base_name, base_sha = base, resolve_commit(root, base, what="base")
    anc = run_git(["merge-base", base_sha, head_sha], root, check=False).strip()
    if anc != base_sha:
        raise ReviewError(
            f"base {base_name} ({base_sha[:10]}) is not an ancestor of head {head} "
            f"({head_sha[:10]}); review a range that starts where the change started"
        )
    merges = merges_in_range(root, base_sha, head_sha)
    if merges:
        shown = ", ".join(m[:10] for m in merges[:5])
        raise ReviewError(
            f"the range {base_sha[:10]}..{head_sha[:10]} contains {len(merges)} merge "
            f"commit(s) ({shown}); the review needs a linear history of the change: rebase "
            "it onto the base, or pass --base after the merge"
        )
    return DiffRange(
        repo=root,
        base=base_name,
        head=head,
        base_sha=base_sha,
        head_sha=head_sha,
        files=_changed_files(root, base_sha, head_sha),
    )


_DIFF = ["-c", "core.quotePath=false", "diff", "-U0", "-M", "--no-color", "--no-ext-diff"]


def _changed_files(root: Path, base_sha: str, head_sha: str) -> tuple[ChangedFile, ...]:
    """Parse the range's diff; files whose text is not UTF-8 are listed without line ranges."""
    try:
        return parse_diff(run_git([*_DIFF, base_sha, head_sha], root))
    except UnicodeDecodeError:
        pass
    names = run_git([*_DIFF[:3], "--name-only", "-M", base_sha, head_sha], root).splitlines()
    files: list[ChangedFile] = []
    for name in names:
        try:
            files += parse_diff(run_git([*_DIFF, base_sha, head_sha, "--", name], root))
        except UnicodeDecodeError:
            files.append(ChangedFile(name, name, "modified", (), ()))
    return tuple(sorted(files, key=lambda f: f.path))


def file_at(repo: str | Path, rev: str, path: str) -> str | None:
    """Text of ``path`` at ``rev``, or ``None`` when it does not exist there or is not text."""
    try:
        return run_git(["show", f"{rev}:{path}"], repo)
    except (GitError, UnicodeDecodeError):
        return None
