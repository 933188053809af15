"""The one low-level way codeflash_lab talks to git (a subprocess, never a library)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from codeflash_lab.errors import GitError, NotAGitRepositoryError

__all__ = ["head_sha", "is_dirty", "is_git_repo", "repo_root", "run_git"]


def run_git(
    args: list[str], cwd: str | Path, *, check: bool = True, input: str | None = None
) -> str:
    """Run ``git ARGS`` in ``cwd`` and return its stdout.

    Raises:
        NotAGitRepositoryError: ``cwd`` is not inside a git work tree.
        GitError: git exited non-zero (its stderr is in the message), or is not installed.
    """
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    except NotADirectoryError as exc:
        raise GitError(f"{cwd}: not a folder") from exc
    if check and proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip()
        if "not a git repository" in err:
            raise NotAGitRepositoryError(f"{cwd}: not a git repository")
        first = err.splitlines()[0] if err else f"exit code {proc.returncode}"
        raise GitError(f"git {' '.join(args)}: {first}")
    return proc.stdout


def is_git_repo(path: str | Path) -> bool:
    """True when ``path`` is inside a git work tree."""
    try:
        return run_git(["rev-parse", "--is-inside-work-tree"], path).strip() == "true"
    except GitError:
        return False


def repo_root(path: str | Path) -> Path:
    """The top folder of the work tree holding ``path``."""
    return Path(run_git(["rev-parse", "--show-toplevel"], path).strip())


def head_sha(path: str | Path) -> str | None:
    """The full SHA of HEAD, or ``None`` outside a repository or before the first commit."""
    try:
        return run_git(["rev-parse", "HEAD"], path).strip()
    except GitError:
        return None


def is_dirty(path: str | Path) -> bool | None:
    """True when tracked files differ from HEAD; ``None`` outside a repository."""
    try:
        out = run_git(["status", "--porcelain", "--untracked-files=no"], path)
    except GitError:
        return None
    return bool(out.strip())
