"""Check out git revisions into temporary worktrees (the user's tree is never touched).

Besides anything ``git rev-parse`` accepts, a revision may be :data:`WORKTREE`: the
working tree as it is now, uncommitted edits included. It is snapshot with
``git stash create`` (a commit object that no branch, stash list or index sees), and
the files git does not track yet are copied in beside it.

Files the user has not committed (a benchmark harness, say) are copied into every
checkout that lacks them, so the harness never has to be committed into the
branches being compared. :func:`ignored_edits_warning` says loudly when a compare of
committed revisions would leave uncommitted edits out; :func:`revision_worktrees` issues
it as an :class:`UncommittedEditsWarning`, so the Python API (``compare_revisions``)
warns as the command line does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from codeflash_lab._git import repo_root, run_git

__all__ = [
    "WORKTREE",
    "UncommittedEditsWarning",
    "ignored_edits_warning",
    "revision_worktrees",
    "snapshot_worktree",
    "uncommitted_files",
    "untracked_files",
]

#: The revision name for "the working tree as it is now, uncommitted edits included".
WORKTREE = "WORKTREE"
#: At most this many untracked files are copied into a checkout.
MAX_CARRIED = 2000


class UncommittedEditsWarning(UserWarning):
    """Committed revisions are checked out while tracked files have uncommitted edits: the
    edits are in neither checkout (see :func:`ignored_edits_warning`)."""


def uncommitted_files(repo: str | os.PathLike[str]) -> list[str]:
    """Tracked files that differ from HEAD (staged or not), relative to the repository root."""
    out = run_git(["status", "--porcelain", "--untracked-files=no"], Path(repo))
    return [line[3:].split(" -> ")[-1] for line in out.splitlines() if line.strip()]


def _venv_dirs(root: Path, names: list[str]) -> set[str]:
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    return {t for t in tops if (root / t / "pyvenv.cfg").exists()}


def untracked_files(repo: str | os.PathLike[str]) -> list[str]:
    """Files git does not track and does not ignore, relative to the repository root.

    A virtual environment left unignored and ``.codeflash/`` are left out.
    """
    root = repo_root(Path(repo))
    names = run_git(["ls-files", "--others", "--exclude-standard", "-z"], root).split("\0")
    names = [n for n in names if n]
    skip = _venv_dirs(root, names) | {".codeflash"}
    return [n for n in names if n.split("/", 1)[0] not in skip][:MAX_CARRIED]


def snapshot_worktree(repo: str | os.PathLike[str]) -> str:
    """A commit holding the tracked files as they are now (``git stash create``), or HEAD
    when nothing tracked differs. No ref, stash entry or index changes."""
    root = repo_root(Path(repo))
    # the snapshot commit is never referenced: a stand-in identity works without user config
    ident = ["-c", "user.name=codeflash-lab", "-c", "user.email=codeflash-lab@localhost"]
    sha = run_git([*ident, "stash", "create", "codeflash-lab: snapshot of the working tree"], root)
    return sha.strip() or run_git(["rev-parse", "HEAD"], root).strip()


def ignored_edits_warning(repo: str | os.PathLike[str], revisions: Iterable[str]) -> str | None:
    """A loud warning when committed revisions are compared while edits are uncommitted.

    ``None`` when one of ``revisions`` is :data:`WORKTREE` or nothing tracked differs.
    """
    if WORKTREE in revisions:
        return None
    changed = uncommitted_files(repo)
    if not changed:
        return None
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return (
        f"WARNING: {len(changed)} uncommitted change(s) are NOT measured ({shown}): the "
        "compare checks out committed revisions only. Use --head WORKTREE to measure the "
        "working tree as it is."
    )


def _copy_missing(src_root: Path, dest_root: Path, names: Iterable[str]) -> None:
    for name in names:
        src, dest = src_root / name, dest_root / name
        if dest.exists() or dest.is_symlink() or not src.is_file():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)


@contextlib.contextmanager
def revision_worktrees(
    repo: str | os.PathLike[str],
    revisions: tuple[str, ...],
    *,
    carry: Iterable[str] = (),
) -> Iterator[list[Path]]:
    """Detached worktrees of ``revisions`` in a temporary folder, removed afterwards.

    Each path yielded corresponds to the folder of ``repo`` inside that worktree (so a
    sub-folder of the repository maps to the same sub-folder of each checkout). Files
    that git does not track (and does not ignore), and the ``carry`` files, are copied
    from the working tree into each checkout that lacks them.

    Args:
        repo: a folder inside the git work tree.
        revisions: anything ``git rev-parse`` accepts (branches, tags, SHAs, ``HEAD~1``),
            or :data:`WORKTREE` for the working tree with its uncommitted edits.
        carry: more paths (relative to ``repo``) to copy into checkouts lacking them,
            such as a harness that is committed on one branch only.

    Yields:
        One folder per revision, in order.

    Warns:
        UncommittedEditsWarning: no revision is :data:`WORKTREE` and tracked files have
            uncommitted edits (the text of :func:`ignored_edits_warning`).

    Raises:
        NotAGitRepositoryError: ``repo`` is not in a git work tree.
        GitError: a revision does not exist or the worktree cannot be created.
    """
    start = Path(repo).resolve()
    root = repo_root(start).resolve()
    sub = start.relative_to(root) if start != root else Path()
    shas = [
        snapshot_worktree(root)
        if rev == WORKTREE
        else run_git(["rev-parse", "--verify", f"{rev}^{{commit}}"], root).strip()
        for rev in revisions
    ]
    ignored = ignored_edits_warning(root, revisions)
    if ignored:
        # the caller of compare_revisions: this frame, contextlib's __enter__, the compare
        warnings.warn(ignored, UncommittedEditsWarning, stacklevel=4)
    extra = untracked_files(root) + [str(sub / c) for c in carry]
    tmp = Path(tempfile.mkdtemp(prefix="codeflash-rev-"))
    made: list[Path] = []
    try:
        for i, sha in enumerate(shas):
            path = tmp / f"rev{i}"
            run_git(["worktree", "add", "--detach", "--quiet", str(path), sha], root)
            made.append(path)
            _copy_missing(root, path, extra)
        yield [p / sub for p in made]
    finally:
        for path in made:
            with contextlib.suppress(Exception):
                run_git(["worktree", "remove", "--force", str(path)], root)
        with contextlib.suppress(Exception):
            run_git(["worktree", "prune"], root)
        shutil.rmtree(tmp, ignore_errors=True)
