"""The demo's scratch repository: creation, git identity, fixes, the project's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codeflash_lab.demo.catalog import exercise
from codeflash_lab.demo.project import (
    MARKER,
    apply_fix,
    check_git_identity,
    create_project,
    revert_fix,
)
from codeflash_lab.errors import DemoError


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def test_create_project_makes_a_repository_with_one_commit(tmp_path: Path) -> None:
    demo = create_project(tmp_path / "demo-workspace")
    assert (demo.workdir / MARKER).is_file()
    assert (demo.project / "shopfront" / "app.py").is_file()
    assert (demo.project / "tests" / "test_service.py").is_file()
    assert _git(demo.project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert len(_git(demo.project, "log", "--oneline").splitlines()) == 1
    assert _git(demo.project, "status", "--porcelain") == ""


def test_an_earlier_demo_folder_is_replaced_but_a_foreign_one_is_refused(tmp_path: Path) -> None:
    first = create_project(tmp_path / "w")
    (first.project / "leftover.txt").write_text("from an interrupted run")
    second = create_project(tmp_path / "w")
    assert not (second.project / "leftover.txt").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(DemoError, match="was not made by the demo"):
        create_project(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_a_missing_git_identity_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    empty = home / "gitconfig"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "EMAIL"}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(empty), GIT_CONFIG_NOSYSTEM="1")
    code = (
        "import sys\n"
        "from codeflash_lab.demo.project import create_project\n"
        "from codeflash_lab.errors import DemoError\n"
        "try:\n"
        f"    create_project({str(tmp_path / 'w')!r})\n"
        "except DemoError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(7)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 7, proc.stderr
    assert "git has no user name and email" in proc.stdout
    assert "git config --global user.email" in proc.stdout
    assert not (tmp_path / "w").exists()


def test_identity_from_the_environment_is_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ada@example.invalid")
    assert check_git_identity(tmp_path) == "Ada <ada@example.invalid>"


def test_a_fix_replaces_one_file_and_reverting_restores_it(tmp_path: Path) -> None:
    demo = create_project(tmp_path / "w")
    item = exercise("cache-on-async")
    assert apply_fix(demo.project, item) == ["shopfront/rates.py"]
    assert (demo.project / item.file).read_text() == item.fix_path.read_text()
    assert _git(demo.project, "status", "--porcelain").split() == ["M", item.file]
    revert_fix(demo.project, item)
    assert _git(demo.project, "status", "--porcelain") == ""
