"""Temporary worktrees of git revisions, removed afterwards."""

from __future__ import annotations

import os
import subprocess
import warnings
from pathlib import Path

import pytest
from conftest import git

from codeflash_lab.bench.revisions import (
    WORKTREE,
    UncommittedEditsWarning,
    ignored_edits_warning,
    revision_worktrees,
    snapshot_worktree,
    uncommitted_files,
    untracked_files,
)
from codeflash_lab.errors import GitError, NotAGitRepositoryError


def test_worktrees_hold_each_revision_and_are_removed(git_repo: Path) -> None:
    (git_repo / "sub").mkdir()
    (git_repo / "sub" / "v.txt").write_text("one\n")
    git(git_repo, "add", "sub/v.txt")
    git(git_repo, "commit", "-q", "-m", "one")
    (git_repo / "sub" / "v.txt").write_text("two\n")
    git(git_repo, "commit", "-q", "-am", "two")
    (git_repo / "sub" / "v.txt").write_text("uncommitted\n")
    with (
        warnings.catch_warnings(record=True, action="always") as caught,
        revision_worktrees(git_repo / "sub", ("HEAD~1", "HEAD")) as (old, new),
    ):
        assert (old / "v.txt").read_text() == "one\n"
        assert (new / "v.txt").read_text() == "two\n"
        made = [old, new]
    assert [w.category for w in caught] == [UncommittedEditsWarning]
    assert "NOT measured (sub/v.txt)" in str(caught[0].message)
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


def test_worktree_snapshots_uncommitted_edits_and_leaves_no_trace(git_repo: Path) -> None:
    (git_repo / "svc.py").write_text("DELAY = 0.02\n")
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "-m", "svc")
    (git_repo / "svc.py").write_text("DELAY = 0.0\n")
    (git_repo / "harness.py").write_text("import svc\n")  # untracked, never committed
    refs_before = git(git_repo, "for-each-ref")
    with revision_worktrees(git_repo, ("HEAD", WORKTREE)) as (base, head):
        assert (base / "svc.py").read_text() == "DELAY = 0.02\n"
        assert (head / "svc.py").read_text() == "DELAY = 0.0\n"
        assert (base / "harness.py").read_text() == "import svc\n"
        assert (head / "harness.py").read_text() == "import svc\n"
    assert git(git_repo, "for-each-ref") == refs_before
    assert git(git_repo, "stash", "list") == ""
    assert git(git_repo, "status", "--porcelain") == " M svc.py\n?? harness.py\n"


def test_worktree_of_a_clean_tree_is_head(git_repo: Path) -> None:
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert snapshot_worktree(git_repo) == head


def test_a_compare_that_ignores_edits_warns_loudly(git_repo: Path) -> None:
    assert ignored_edits_warning(git_repo, ("HEAD~0", "HEAD")) is None
    (git_repo / "README.md").write_text("edited\n")
    warning = ignored_edits_warning(git_repo, ("main", "HEAD"))
    assert warning is not None
    assert warning.startswith("WARNING: 1 uncommitted change(s) are NOT measured (README.md)")
    assert "--head WORKTREE" in warning
    assert ignored_edits_warning(git_repo, ("main", WORKTREE)) is None
    assert uncommitted_files(git_repo) == ["README.md"]


def test_an_unignored_venv_is_not_carried(git_repo: Path) -> None:
    (git_repo / "env").mkdir()
    (git_repo / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (git_repo / "env" / "lib.py").write_text("x = 1\n")
    (git_repo / "bench.py").write_text("x = 1\n")
    assert untracked_files(git_repo) == ["bench.py"]


def test_a_snapshot_needs_no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "noid"
    repo.mkdir()
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.invalid",
           "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.invalid"}  # fmt: skip
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / "f.txt").write_text("one\n")
    subprocess.run(["git", "add", "f.txt"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "commit.gpgsign=false", "commit", "-qm", "one"], cwd=repo,
                   check=True, env={**os.environ, **env})  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in env:
        monkeypatch.delenv(name, raising=False)
    (repo / "f.txt").write_text("two\n")
    sha = snapshot_worktree(repo)
    assert git(repo, "show", f"{sha}:f.txt") == "two\n"
