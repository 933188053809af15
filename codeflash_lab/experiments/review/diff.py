"""The reviewed range: base and head commits, changed files and changed line ranges.

The default base is where the optimization branch left the main branch (their
merge-base). Ranges that contain merge commits are refused: their diffs mix
other people's work into the change under review.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
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


def parse_diff(text: str) -> tuple[ChangedFile, ...]:
    """Parse ``git diff -U0 -M`` output into changed files with their line ranges.

    Args:
        text: the diff text (``--no-color``, zero context lines).

    Returns:
        One :class:`ChangedFile` per file, sorted by path.
    """
    files: list[ChangedFile] = []
    cur: dict[str, object] | None = None

    def flush() -> None:
        if cur is None:
            return
        old, new = cur["old"], cur["new"]
        status = str(cur["status"])
        path = str(new if new is not None else old)
        if status == "modified" and old is not None and new is not None and old != new:
            status = "renamed"
        files.append(
            ChangedFile(
                path=path,
                old_path=None if status == "added" else (str(old) if old else path),
                status=status,
                added=tuple(cur["added"]),  # type: ignore[call-overload]
                removed=tuple(cur["removed"]),  # type: ignore[call-overload]
            )
        )

    for line in text.splitlines():
        if line.startswith("diff --git "):
            flush()
            cur = {"old": None, "new": None, "status": "modified", "added": [], "removed": []}
            rest = line[len("diff --git ") :]
            m = re.match(r'^("?)a/(.*)\1 ("?)b/(.*)\3$', rest)
            if m:
                cur["old"] = _unquote(f'"{m.group(2)}"') if m.group(1) else m.group(2)
                cur["new"] = _unquote(f'"{m.group(4)}"') if m.group(3) else m.group(4)
        elif cur is None:
            continue
        elif line.startswith("new file mode"):
            cur["status"] = "added"
        elif line.startswith("deleted file mode"):
            cur["status"] = "deleted"
        elif line.startswith("rename from "):
            cur["old"] = _unquote(line[len("rename from ") :])
        elif line.startswith("rename to "):
            cur["new"] = _unquote(line[len("rename to ") :])
        elif line.startswith("--- "):
            name = line[4:]
            if name != "/dev/null":
                cur["old"] = _unquote(name)[2:]
        elif line.startswith("+++ "):
            name = line[4:]
            if name == "/dev/null":
                cur["status"] = "deleted"
            else:
                cur["new"] = _unquote(name)[2:]
        elif line.startswith("@@"):
            m = _HUNK.match(line)
            if not m:
                continue
            old_start, old_len = int(m.group(1)), int(m.group(2) or "1")
            new_start, new_len = int(m.group(3)), int(m.group(4) or "1")
            if new_len:
                cur["added"].append((new_start, new_start + new_len - 1))  # type: ignore[union-attr]
            if old_len:
                cur["removed"].append((old_start, old_start + old_len - 1))  # type: ignore[union-attr]
    flush()
    if any(f.status == "deleted" for f in files):
        files = [
            f if f.status != "deleted" else ChangedFile(f.path, f.path, "deleted", (), f.removed)
            for f in files
        ]
    return tuple(sorted(files, key=lambda f: f.path))


def resolve_commit(repo: str | Path, rev: str, *, what: str = "revision") -> str:
    """Full SHA of ``rev`` as a commit.

    Raises:
        ReviewError: ``rev`` does not name a commit in the repository.
    """
    if not rev or rev.startswith("-"):
        raise ReviewError(f"{what} {rev!r} is not a valid revision name")
    try:
        return run_git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo).strip()
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


def load_diff(project: str | Path, *, base: str | None = None, head: str = "HEAD") -> DiffRange:
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
    root = repo_root(project)
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
    text = run_git(
        [
            "-c",
            "core.quotePath=false",
            "diff",
            "-U0",
            "-M",
            "--no-color",
            "--no-ext-diff",
            base_sha,
            head_sha,
        ],
        root,
    )
    return DiffRange(
        repo=root,
        base=base_name,
        head=head,
        base_sha=base_sha,
        head_sha=head_sha,
        files=parse_diff(text),
    )


def file_at(repo: str | Path, rev: str, path: str) -> str | None:
    """Text of ``path`` at ``rev``, or ``None`` when it does not exist there or is not text."""
    try:
        return run_git(["show", f"{rev}:{path}"], repo)
    except (GitError, UnicodeDecodeError):
        return None
