"""Check out git revisions into temporary worktrees (the user's tree is never touched)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from codeflash_lab._git import repo_root, run_git

__all__ = ["revision_worktrees"]


@contextlib.contextmanager
def revision_worktrees(
    repo: str | os.PathLike[str], revisions: tuple[str, ...]
) -> Iterator[list[Path]]:
    """Detached worktrees of ``revisions`` in a temporary folder, removed afterwards.

    Each path yielded corresponds to the folder of ``repo`` inside that worktree (so a
    sub-folder of the repository maps to the same sub-folder of each checkout).

    Args:
        repo: a folder inside the git work tree.
        revisions: anything ``git rev-parse`` accepts (branches, tags, SHAs, ``HEAD~1``).

    Yields:
        One folder per revision, in order.

    Raises:
        NotAGitRepositoryError: ``repo`` is not in a git work tree.
        GitError: a revision does not exist or the worktree cannot be created.
    """
    start = Path(repo).resolve()
    root = repo_root(start)
    sub = start.relative_to(root.resolve()) if start != root.resolve() else Path()
    shas = [
        run_git(["rev-parse", "--verify", f"{rev}^{{commit}}"], root).strip() for rev in revisions
    ]
    tmp = Path(tempfile.mkdtemp(prefix="codeflash-rev-"))
    made: list[Path] = []
    try:
        for i, sha in enumerate(shas):
            path = tmp / f"rev{i}"
            run_git(["worktree", "add", "--detach", "--quiet", str(path), sha], root)
            made.append(path)
        yield [p / sub for p in made]
    finally:
        for path in made:
            with contextlib.suppress(Exception):
                run_git(["worktree", "remove", "--force", str(path)], root)
        with contextlib.suppress(Exception):
            run_git(["worktree", "prune"], root)
        shutil.rmtree(tmp, ignore_errors=True)
