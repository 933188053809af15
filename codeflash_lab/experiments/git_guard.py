"""Checks and safety nets around a keep commit: refused git states, the index, hook edits.

- :func:`git_states`: what is in progress in the repository (merge, rebase,
  cherry-pick, revert, bisect) and whether HEAD is detached; :func:`check_git_state`
  refuses them (a merge, cherry-pick or revert always; a rebase, a bisect or a
  detached HEAD unless forced), before any hook runs or anything is staged;
- :class:`IndexSnapshot`: a copy of ``.git/index`` taken before staging, put back when
  the commit fails, so a refused or failed keep leaves the index as it was;
- :func:`fingerprints`: content hashes of the named files, to list the files that
  hooks changed when a commit fails.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from codeflash_lab._git import run_git
from codeflash_lab.errors import GitError

__all__ = [
    "IndexSnapshot",
    "changed_files",
    "check_git_state",
    "fingerprints",
    "git_states",
]

# (marker under the git dir, state, can --force go on)
_MARKERS: tuple[tuple[str, str, bool], ...] = (
    ("MERGE_HEAD", "a merge in progress (MERGE_HEAD)", False),
    ("CHERRY_PICK_HEAD", "a cherry-pick in progress (CHERRY_PICK_HEAD)", False),
    ("REVERT_HEAD", "a revert in progress (REVERT_HEAD)", False),
    ("rebase-merge", "a rebase in progress (rebase-merge)", True),
    ("rebase-apply", "a rebase or am in progress (rebase-apply)", True),
    ("BISECT_LOG", "a bisect in progress (BISECT_LOG)", True),
)


def _git_path(root: Path, name: str) -> Path:
    path = Path(run_git(["rev-parse", "--git-path", name], root).strip())
    return path if path.is_absolute() else root / path


def git_states(root: Path) -> list[tuple[str, bool]]:
    """``[(state in words, forcible)]`` for every unusual state of the repository."""
    found: list[tuple[str, bool]] = []
    for marker, words, forcible in _MARKERS:
        if _git_path(root, marker).exists():
            found.append((words, forcible))
    if not run_git(["symbolic-ref", "-q", "HEAD"], root, check=False).strip():
        found.append(("a detached HEAD (no branch checked out)", True))
    return found


def check_git_state(root: Path, *, force: bool = False) -> list[str]:
    """Refuse to commit in an unusual state; returns the states ``force`` let through.

    Raises:
        GitError: a merge, cherry-pick or revert is in progress (never forcible: git
            cannot commit only some files then), or a rebase, a bisect or a detached
            HEAD without ``force``; the message names the state.
    """
    states = git_states(root)
    hard = [w for w, forcible in states if not forcible]
    if hard:
        raise GitError(
            f"{root}: {hard[0]}; finish or abort it before recording a keep commit "
            "(nothing was changed)"
        )
    soft = [w for w, _ in states]
    if soft and not force:
        raise GitError(
            f"{root}: {'; '.join(soft)}; a keep commit would land there. Finish it first, or "
            "pass --force (force=True) to commit anyway (nothing was changed)"
        )
    return soft


def fingerprints(root: Path, names: Iterable[str]) -> dict[str, str | None]:
    """Content hash of each file (``None`` when missing); a link hashes its target path."""
    out: dict[str, str | None] = {}
    for name in names:
        path = root / name
        try:
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        except OSError:
            out[name] = None
            continue
        out[name] = hashlib.sha256(data).hexdigest()
    return out


def changed_files(before: dict[str, str | None], root: Path) -> list[str]:
    """The files whose content differs from ``before`` (see :func:`fingerprints`)."""
    after = fingerprints(root, before)
    return sorted(n for n in before if before[n] != after[n])


class IndexSnapshot:
    """A copy of the index file, to put back if the commit does not happen.

    Use as a context manager; call :meth:`keep` once the commit landed.
    """

    def __init__(self, root: Path) -> None:
        self.index = _git_path(root, "index")
        self._copy: Path | None = None
        self._kept = False

    def __enter__(self) -> IndexSnapshot:
        if self.index.exists():
            fd, tmp = tempfile.mkstemp(dir=self.index.parent, prefix="codeflash-index-")
            os.close(fd)
            shutil.copy2(self.index, tmp)
            self._copy = Path(tmp)
        return self

    def keep(self) -> None:
        """The commit landed: the new index stays."""
        self._kept = True

    def __exit__(self, *exc: object) -> None:
        if self._copy is None:
            if not self._kept:
                self.index.unlink(missing_ok=True)
            return
        if self._kept:
            self._copy.unlink(missing_ok=True)
        else:
            os.replace(self._copy, self.index)
