"""Temporary worktrees of git revisions, removed afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git

from codeflash_lab.bench.revisions import revision_worktrees
from codeflash_lab.errors import GitError, NotAGitRepositoryError


def test_worktrees_hold_each_revision_and_are_removed(git_repo: Path) -> None:
    (git_repo / "sub").mkdir()
    (git_repo / "sub" / "v.txt").write_text("one\n")
    git(git_repo, "add", "sub/v.txt")
    git(git_repo, "commit", "-q", "-m", "one")
    (git_repo / "sub" / "v.txt").write_text("two\n")
    git(git_repo, "commit", "-q", "-am", "two")
    (git_repo / "sub" / "v.txt").write_text("uncommitted\n")
    with revision_worktrees(git_repo / "sub", ("HEAD~1", "HEAD")) as (old, new):
        assert (old / "v.txt").read_text() == "one\n"
        assert (new / "v.txt").read_text() == "two\n"
        made = [old, new]
    assert not any(p.exists() for p in made)
    assert (git_repo / "sub" / "v.txt").read_text() == "uncommitted\n"
    assert git(git_repo, "worktree", "list").count("\n") == 1


def test_unknown_revision_and_plain_folder(git_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError), revision_worktrees(git_repo, ("no-such-branch",)):
        pass
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotAGitRepositoryError), revision_worktrees(plain, ("HEAD",)):
        pass
