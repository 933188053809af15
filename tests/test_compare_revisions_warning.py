"""compare_revisions from Python warns about uncommitted edits as the command line does."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import git

from codeflash_lab.bench import BenchConfig, compare_revisions
from codeflash_lab.bench.revisions import (
    WORKTREE,
    UncommittedEditsWarning,
    ignored_edits_warning,
)
from codeflash_lab.cli import main

_CONFIG = BenchConfig(duration_s=0.1, min_run_s=0.1, warmup_s=0.0)
_OPTIONS = {"config": _CONFIG, "preset": "quick", "progress": False, "save": False}


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / "svc.py").write_text(
        "import asyncio\n\n\nasync def op():\n    await asyncio.sleep(0)\n"
    )
    git(git_repo, "add", "svc.py")
    git(git_repo, "commit", "-q", "-m", "svc")
    return git_repo


def test_a_compare_of_committed_revisions_on_a_dirty_tree_warns(repo: Path) -> None:
    (repo / "svc.py").write_text("import asyncio\n\n\nasync def op():\n    return None\n")
    expected = ignored_edits_warning(repo, ("HEAD", "HEAD"))
    assert expected is not None
    with pytest.warns(UncommittedEditsWarning) as caught:
        result = compare_revisions("svc.py:op", base="HEAD", head="HEAD", repo=repo, **_OPTIONS)
    assert result.a_runs
    assert [str(w.message) for w in caught] == [expected]
    assert caught[0].filename == __file__  # points at the caller's line
    assert "svc.py" in expected
    assert "--head WORKTREE" in expected


def test_no_warning_for_a_clean_tree_or_the_worktree(repo: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncommittedEditsWarning)
        compare_revisions("svc.py:op", base="HEAD", head="HEAD", repo=repo, **_OPTIONS)
        (repo / "svc.py").write_text("import asyncio\n\n\nasync def op():\n    return None\n")
        compare_revisions("svc.py:op", base="HEAD", head=WORKTREE, repo=repo, **_OPTIONS)


def test_the_command_line_says_it_twice_in_its_own_words(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "svc.py").write_text("import asyncio\n\n\nasync def op():\n    return None\n")
    expected = ignored_edits_warning(repo, ("HEAD", "HEAD"))
    argv = ["compare", "svc.py:op", "--base", "HEAD", "--head", "HEAD", "--project", str(repo)]
    argv += ["--preset", "quick", "--duration", "0.1", "--min-run", "0.1", "--warmup", "0"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncommittedEditsWarning)  # the CLI prints, not warns
        assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count(str(expected)) == 2
    assert "UncommittedEditsWarning" not in err
