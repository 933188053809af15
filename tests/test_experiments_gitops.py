"""Git operations on real repositories: branch, keep commits, milestones, history."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from codeflash_lab.errors import DirtyIndexError, GitError, NotAGitRepositoryError
from codeflash_lab.experiments.gitops import (
    commit_keep,
    ensure_branch,
    history_summary,
    keeps_since_milestone,
    run_pre_commit,
    tag_milestone,
)
from tests.conftest import git


def _change(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text)
    return name


def test_ensure_branch_creates_then_switches(git_repo: Path) -> None:
    assert ensure_branch(git_repo) == "codeflash/optimize"
    assert git(git_repo, "branch", "--show-current").strip() == "codeflash/optimize"
    git(git_repo, "switch", "-q", "main")
    ensure_branch(git_repo)
    assert git(git_repo, "branch", "--show-current").strip() == "codeflash/optimize"
    assert ensure_branch(git_repo) == "codeflash/optimize"


def test_not_a_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepositoryError, match="not a git repository"):
        ensure_branch(tmp_path)
    with pytest.raises(NotAGitRepositoryError, match="not a folder"):
        commit_keep(tmp_path / "missing", ["a.py"], "x")


def test_commit_keep_commits_only_the_named_files(git_repo: Path) -> None:
    _change(git_repo, "app.py", "async def f(): ...\n")
    _change(git_repo, "scratch.txt", "do not commit me\n")
    sha = commit_keep(git_repo, ["app.py"], "gather the three upstream calls")
    assert git(git_repo, "log", "-1", "--format=%s").strip() == (
        "async: gather the three upstream calls"
    )
    assert git(git_repo, "show", "--name-only", "--format=", sha).split() == ["app.py"]
    assert "?? scratch.txt" in git(git_repo, "status", "--porcelain")


def test_commit_keep_refuses_when_unrelated_files_are_staged(git_repo: Path) -> None:
    _change(git_repo, "app.py", "x = 1\n")
    _change(git_repo, "other.py", "y = 2\n")
    git(git_repo, "add", "other.py")
    with pytest.raises(DirtyIndexError, match=r"unrelated files are staged \(other\.py\)"):
        commit_keep(git_repo, ["app.py"], "fix")
    # nothing was committed and the index is as the user left it
    assert git(git_repo, "log", "--format=%s").splitlines() == ["initial commit"]
    assert git(git_repo, "diff", "--cached", "--name-only").split() == ["other.py"]


def test_commit_keep_checks_its_arguments(git_repo: Path) -> None:
    with pytest.raises(ValueError, match="files"):
        commit_keep(git_repo, [], "fix")
    with pytest.raises(ValueError, match="summary"):
        commit_keep(git_repo, ["README.md"], " ")
    with pytest.raises(ValueError, match="outside the repository"):
        commit_keep(git_repo, ["../elsewhere.py"], "fix")
    with pytest.raises(GitError, match="nothing to commit"):
        commit_keep(git_repo, ["README.md"], "fix")


def test_commit_keep_does_not_double_the_prefix(git_repo: Path) -> None:
    _change(git_repo, "a.py", "a = 1\n")
    commit_keep(git_repo, ["a.py"], "async: reuse one client session")
    assert git(git_repo, "log", "-1", "--format=%s").strip() == "async: reuse one client session"


def test_milestone_every_three_keeps(git_repo: Path) -> None:
    tags = []
    for i in range(7):
        _change(git_repo, f"m{i}.py", f"v = {i}\n")
        commit_keep(git_repo, [f"m{i}.py"], f"keep {i}")
        tags.append(tag_milestone(git_repo))
    assert tags == [
        None,
        None,
        "codeflash/optimize-v1",
        None,
        None,
        "codeflash/optimize-v2",
        None,
    ]
    assert keeps_since_milestone(git_repo) == 1
    assert tag_milestone(git_repo, force=True) == "codeflash/optimize-v3"
    assert tag_milestone(git_repo, force=True) is None
    with pytest.raises(ValueError, match="every"):
        tag_milestone(git_repo, every=6)


def test_history_summary_lists_files_and_failures(git_repo: Path) -> None:
    for i in range(3):
        _change(git_repo, "hot.py", f"v = {i}\n")
        commit_keep(git_repo, ["hot.py"], f"speed up hot path {i}")
    _change(git_repo, "cold.py", "c = 1\n")
    commit_keep(git_repo, ["cold.py"], "cold change")
    _change(git_repo, "notes.txt", "n\n")
    git(git_repo, "add", "notes.txt")
    git(git_repo, "commit", "-q", "-m", "docs: notes")
    summary = history_summary(
        git_repo, discarded_patterns=["blocking-call"] * 3 + ["sequential-awaits"] * 2
    )
    assert summary.files_touched == (("hot.py", 3), ("cold.py", 1))
    assert summary.hot_files == ("hot.py",)
    assert summary.failed_approaches == ("blocking-call",)
    assert len(summary.keep_commits) == 4
    assert "hot.py (3)" in summary.to_text()
    assert summary.to_dict()["files_touched"]["cold.py"] == 1
    assert summary.to_frame().loc["hot.py", "keeps"] == 3
    assert "hot.py (3)" in summary._repr_html_()


def test_history_summary_counts_reverted_keeps(git_repo: Path) -> None:
    for _ in range(3):
        _change(git_repo, "r.py", "x = 1\n")
        commit_keep(git_repo, ["r.py"], "cache the lookup")
        git(git_repo, "revert", "--no-edit", "HEAD")
    assert history_summary(git_repo).failed_approaches == ("cache the lookup",)


def test_pre_commit_is_skipped_without_a_config(git_repo: Path) -> None:
    assert run_pre_commit(git_repo, ["README.md"]) is None


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("pre-commit") is None
    and not (Path(sys.executable).parent / "pre-commit").exists(),
    reason="pre-commit is not installed",
)
def test_pre_commit_hooks_run_on_the_named_files(git_repo: Path) -> None:
    config = (
        "repos:\n- repo: local\n  hooks:\n  - id: no-forbidden\n    name: no-forbidden\n"
        "    entry: FORBIDDEN\n    language: pygrep\n    files: \\.py$\n"
    )
    (git_repo / ".pre-commit-config.yaml").write_text(config)
    git(git_repo, "add", ".pre-commit-config.yaml")
    git(git_repo, "commit", "-q", "-m", "pre-commit config")
    _change(git_repo, "bad.py", "FORBIDDEN = 1\n")
    with pytest.raises(GitError, match="pre-commit hooks failed"):
        commit_keep(git_repo, ["bad.py"], "bad")
    _change(git_repo, "bad.py", "fine = 1\n")
    commit_keep(git_repo, ["bad.py"], "good")
