"""Git for the experiment loop: the optimization branch, keep commits, milestone tags, history.

Only the files named for a keep are ever staged (never ``git add -A``); a keep is
refused while unrelated files sit in the index. Milestone rule: a tag
``codeflash/optimize-v<N>`` is due once 3 keep commits (``async: ...``) have
landed since the previous milestone tag (``every`` may be set from 3 to 5).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab._git import head_sha, is_git_repo, repo_root, run_git
from codeflash_lab.errors import DirtyIndexError, GitError, NotAGitRepositoryError
from codeflash_lab.experiments.git_guard import (
    IndexSnapshot,
    changed_files,
    check_git_state,
    fingerprints,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BRANCH",
    "KEEP_PREFIX",
    "TAG_PREFIX",
    "HistorySummary",
    "check_keep_allowed",
    "commit_keep",
    "ensure_branch",
    "history_summary",
    "keeps_since_milestone",
    "normalise_files",
    "run_pre_commit",
    "tag_milestone",
]

BRANCH = "codeflash/optimize"
KEEP_PREFIX = "async: "
TAG_PREFIX = "codeflash/optimize-v"


def _root(repo: str | Path) -> Path:
    path = Path(repo)
    if not path.is_dir():
        raise NotAGitRepositoryError(f"{path}: not a folder")
    if not is_git_repo(path):
        raise NotAGitRepositoryError(f"{path}: not a git repository (run 'git init' first)")
    return repo_root(path)


def ensure_branch(repo: str | Path, name: str = BRANCH) -> str:
    """Switch to branch ``name``, creating it from HEAD when it does not exist.

    Returns:
        The branch name.

    Raises:
        NotAGitRepositoryError: ``repo`` is not a git work tree.
        GitError: the repository has no commit yet, or git refuses the switch
            (for example local changes would be overwritten).
    """
    root = _root(repo)
    if head_sha(root) is None:
        raise GitError(f"{root}: no commit yet; commit the project once before optimizing")
    current = run_git(["rev-parse", "--abbrev-ref", "HEAD"], root).strip()
    if current == name:
        return name
    exists = run_git(["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], root, check=False)
    if exists.strip():
        run_git(["switch", name], root)
    else:
        run_git(["switch", "-c", name], root)
    return name


def _staged(root: Path) -> list[str]:
    out = run_git(["diff", "--cached", "--name-only", "-z"], root)
    return [p for p in out.split("\0") if p]


def _normalise(root: Path, files: Iterable[str | Path], base: Path | None = None) -> list[str]:
    """Repository-relative names of ``files`` (relative ones are taken from ``base``,
    default the repository root). A symlink stays itself: only its folder is resolved."""
    top = root.resolve()
    out: list[str] = []
    for f in files:
        p = Path(f)
        absolute = Path(os.path.abspath(p if p.is_absolute() else (base or root) / p))
        real = Path(os.path.realpath(absolute.parent)) / absolute.name
        try:
            rel = real.relative_to(top)
        except ValueError:
            raise ValueError(f"files: {f} is outside the repository {root}") from None
        if not rel.parts or rel.parts[0] == ".git":
            raise ValueError(f"files: {f} is not a file of the work tree")
        out.append(rel.as_posix())
    return sorted(set(out))


def _pre_commit_exe() -> str | None:
    """pre-commit on PATH, or installed next to the running interpreter (a venv)."""
    found = shutil.which("pre-commit")
    if found:
        return found
    beside = Path(sys.executable).parent / "pre-commit"
    return str(beside) if beside.exists() else None


def run_pre_commit(repo: str | Path, files: Sequence[str]) -> str | None:
    """Run ``pre-commit run --files FILES`` when the project uses pre-commit.

    Hooks that fix files (formatters) fail once after fixing; the run is repeated
    once so their fixes are accepted.

    Returns:
        The hook output, or ``None`` when the project has no ``.pre-commit-config.yaml``
        or pre-commit is not installed.

    Raises:
        GitError: the hooks still fail on the second run (their output is in the message).
    """
    root = Path(repo)
    exe = _pre_commit_exe()
    if not (root / ".pre-commit-config.yaml").exists() or exe is None:
        return None
    output = ""
    for _ in range(2):
        proc = subprocess.run(
            [exe, "run", "--files", *files],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        output = proc.stdout + proc.stderr
        if proc.returncode == 0:
            return output
    failing = [ln.split("...")[0].strip() for ln in output.splitlines() if ln.endswith("Failed")]
    last = output.strip().splitlines()[-1] if output.strip() else "no output"
    raise GitError(f"pre-commit hooks failed on the keep's files: {', '.join(failing) or last}")


def commit_keep(
    repo: str | Path,
    files: Sequence[str | Path],
    summary: str,
    *,
    pre_commit: bool = True,
    trailer: str | None = None,
    force: bool = False,
    base: str | Path | None = None,
) -> str:
    """Commit a kept experiment: only ``files``, message ``async: <summary>``.

    Every refusal (an unusual git state, unrelated staged files) comes before the
    project's hooks run and before anything is staged. If the commit then fails, the
    index is put back as it was and the files the hooks changed are listed.

    Args:
        repo: the repository (any folder inside it).
        files: the files the change touched (absolute, or relative to ``base``).
        summary: one line saying what the change does.
        pre_commit: run the project's pre-commit hooks on ``files`` first, when it has them.
        trailer: a ``Key: value`` line added as the message's trailer.
        force: commit on a detached HEAD or during a rebase or bisect.
        base: the folder relative ``files`` are taken from (default: the repository root).

    Returns:
        The new commit's SHA.

    Raises:
        ValueError: ``files`` is empty or names a path outside the repository, or
            ``summary`` is empty or spans lines.
        NotAGitRepositoryError: ``repo`` is not a git work tree.
        DirtyIndexError: files other than ``files`` are staged.
        GitError: a refused git state (named), the hooks fail, or there is nothing to
            commit in ``files``.
    """
    summary = summary.strip()
    if not summary or "\n" in summary:
        raise ValueError(f"summary: expected one non-empty line, got {summary!r}")
    if summary.lower().startswith(KEEP_PREFIX.strip()):
        summary = summary.split(":", 1)[1].strip()
    if not files:
        raise ValueError("files: name the files the kept change touched")
    root = _root(repo)
    names = _normalise(root, files, None if base is None else Path(base))
    check_keep_allowed(root, names, force=force)
    before = fingerprints(root, names)
    try:
        if pre_commit:
            run_pre_commit(root, names)
        with IndexSnapshot(root) as snapshot:
            run_git(["add", "--", *names], root)
            if not _staged(root):
                raise GitError(f"nothing to commit: {', '.join(names)} have no changes")
            message = ["-m", KEEP_PREFIX + summary] + (["-m", trailer] if trailer else [])
            run_git(["commit", "-q", *message, "--", *names], root)
            snapshot.keep()
    except GitError as exc:
        changed = changed_files(before, root)
        if changed:
            raise GitError(f"{exc}; files the hooks changed: {', '.join(changed)}") from None
        raise
    return run_git(["rev-parse", "HEAD"], root).strip()


def check_keep_allowed(root: Path, names: Sequence[str], *, force: bool = False) -> list[str]:
    """Every refusal of :func:`commit_keep`, without changing anything.

    Returns:
        The unusual states ``force`` let through.

    Raises:
        GitError: a refused git state (see :func:`~codeflash_lab.experiments.git_guard.check_git_state`).
        DirtyIndexError: files other than ``names`` are staged.
    """
    allowed = check_git_state(root, force=force)
    unrelated = sorted(set(_staged(root)) - set(names))
    if unrelated:
        raise DirtyIndexError(
            f"{root}: unrelated files are staged ({', '.join(unrelated)}); unstage them "
            "('git restore --staged <file>') or include them explicitly"
        )
    return allowed


def normalise_files(
    repo: str | Path, files: Iterable[str | Path], base: str | Path | None = None
) -> list[str]:
    """Repository-relative names of ``files`` as :func:`commit_keep` stages them."""
    root = _root(repo)
    return _normalise(root, files, None if base is None else Path(base))


def _milestone_tags(root: Path) -> list[str]:
    out = run_git(["tag", "--list", f"{TAG_PREFIX}*"], root)
    tags = [t.strip() for t in out.splitlines() if re.fullmatch(rf"{re.escape(TAG_PREFIX)}\d+", t)]
    return sorted(tags, key=lambda t: int(t[len(TAG_PREFIX) :]))


def keeps_since_milestone(repo: str | Path) -> int:
    """How many keep commits (subject ``async: ...``) HEAD has since the last milestone tag."""
    root = _root(repo)
    if head_sha(root) is None:
        return 0
    tags = _milestone_tags(root)
    rng = f"{tags[-1]}..HEAD" if tags else "HEAD"
    subjects = run_git(["log", "--format=%s", rng], root).splitlines()
    return sum(1 for s in subjects if s.startswith(KEEP_PREFIX))


def tag_milestone(repo: str | Path, *, every: int = 3, force: bool = False) -> str | None:
    """Tag HEAD ``codeflash/optimize-v<N>`` when ``every`` keeps have landed since the last tag.

    Args:
        repo: the repository.
        every: keeps per milestone, 3 to 5.
        force: tag now if at least one keep landed since the last tag.

    Returns:
        The new tag, or ``None`` when no milestone is due.

    Raises:
        ValueError: ``every`` is outside 3..5.
        NotAGitRepositoryError: ``repo`` is not a git work tree.
    """
    if not 3 <= every <= 5:
        raise ValueError(f"every: expected 3 to 5 keeps per milestone, got {every}")
    root = _root(repo)
    since = keeps_since_milestone(root)
    if since == 0 or (since < every and not force):
        return None
    tags = _milestone_tags(root)
    n = int(tags[-1][len(TAG_PREFIX) :]) + 1 if tags else 1
    tag = f"{TAG_PREFIX}{n}"
    run_git(["tag", "-a", tag, "-m", f"milestone {n}: {since} keep(s) since the last one"], root)
    return tag


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """What ``git log -20 --stat`` says about past experiments.

    Attributes:
        keep_commits: ``(sha, subject)`` of keep commits, newest first.
        files_touched: ``(file, keeps touching it)``, most touched first.
        hot_files: files touched by 3 or more keeps (where to look next).
        failed_approaches: patterns or reverted subjects that failed 3 or more times.
    """

    keep_commits: tuple[tuple[str, str], ...]
    files_touched: tuple[tuple[str, int], ...]
    hot_files: tuple[str, ...]
    failed_approaches: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "keep_commits": [{"sha": s, "subject": m} for s, m in self.keep_commits],
            "files_touched": dict(self.files_touched),
            "hot_files": list(self.hot_files),
            "failed_approaches": list(self.failed_approaches),
        }

    def to_text(self) -> str:
        """Two short lists, the way HANDOFF.md shows them."""
        touched = ", ".join(f"{f} ({n})" for f, n in self.files_touched) or "none"
        failed = ", ".join(self.failed_approaches) or "none"
        return f"Files touched by keeps: {touched}\nApproaches that failed 3+ times: {failed}"

    def __str__(self) -> str:
        return self.to_text()

    def to_frame(self) -> pd.DataFrame:
        """Files touched by keeps: ``file`` index, ``keeps`` column."""
        import pandas as pd

        frame = pd.DataFrame(list(self.files_touched), columns=["file", "keeps"])
        return frame.set_index("file")

    def _repr_html_(self) -> str:
        import html

        return "<br>".join(html.escape(line) for line in self.to_text().splitlines())


def history_summary(
    repo: str | Path,
    *,
    discarded_patterns: Iterable[str] = (),
    discard_counts: Mapping[str, int] | None = None,
    limit: int = 20,
) -> HistorySummary:
    """Summarize ``git log -<limit> --stat``: files touched by keeps, approaches that failed.

    Only keeps count as keeps: a keep commit that a later ``Revert "async: ..."``
    undid is left out of the files touched. Discards are never committed, so
    failures come from two places: subjects of reverted keeps in the log, and the
    pattern of every DISCARD row of results.tsv (``discarded_patterns`` one by one,
    or ``discard_counts`` per pattern). Anything seen 3 or more times is listed.

    Raises:
        NotAGitRepositoryError: ``repo`` is not a git work tree.
    """
    root = _root(repo)
    keeps: list[tuple[str, str]] = []
    touched: Counter[str] = Counter()
    failures: Counter[str] = Counter(p for p in discarded_patterns if p)
    failures.update({p: n for p, n in (discard_counts or {}).items() if p})
    if head_sha(root) is not None:
        log = run_git(
            ["log", f"-{limit}", "--stat", "--stat-width=1000", "--format=\x1e%H\x1f%s"], root
        )
        reverted_later: Counter[str] = Counter()
        for chunk in log.split("\x1e")[1:]:  # newest first: a revert comes before its keep
            head, _, stat = chunk.partition("\n")
            sha, _, subject = head.partition("\x1f")
            reverted = re.match(r'Revert "async: (.*)"', subject)
            if reverted:
                failures[reverted.group(1)] += 1
                reverted_later[KEEP_PREFIX + reverted.group(1)] += 1
                continue
            if not subject.startswith(KEEP_PREFIX):
                continue
            if reverted_later[subject] > 0:
                reverted_later[subject] -= 1
                continue
            keeps.append((sha[:12], subject))
            for line in stat.splitlines():
                if "|" in line:
                    touched[line.split("|", 1)[0].strip()] += 1
    ordered = tuple(sorted(touched.items(), key=lambda kv: (-kv[1], kv[0])))
    return HistorySummary(
        keep_commits=tuple(keeps),
        files_touched=ordered,
        hot_files=tuple(f for f, n in ordered if n >= 3),
        failed_approaches=tuple(sorted(k for k, n in failures.items() if n >= 3)),
    )
