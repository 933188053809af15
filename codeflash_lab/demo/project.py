"""The demo's scratch project: a git repository holding a copy of the shopfront service.

Creates it (refusing folders the demo did not make), and applies and reverts the
fixes of :mod:`codeflash_lab.demo.catalog`. The project's own tests run through the
guard (:mod:`codeflash_lab.experiments.guard`), read from junit XML.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from codeflash_lab._git import run_git
from codeflash_lab.demo.catalog import SERVICE_DIR, Exercise
from codeflash_lab.errors import DemoError, GitError

__all__ = [
    "MARKER",
    "DemoProject",
    "apply_fix",
    "check_git_identity",
    "create_project",
    "revert_fix",
]

#: File that marks a folder as made by the demo (only such folders are ever wiped).
MARKER = ".codeflash-demo"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".codeflash")


@dataclass(frozen=True)
class DemoProject:
    """Where one demo run lives.

    Attributes:
        workdir: the scratch folder (holds the marker, the project and the logs).
        project: the git repository with the service (and, later, its ``.codeflash/``).
        logs: the servers' stderr logs.
    """

    workdir: Path
    project: Path
    logs: Path


def check_git_identity(cwd: str | os.PathLike[str]) -> str:
    """The ``Name <email>`` git will commit with in ``cwd``.

    Raises:
        DemoError: no user name or email is configured (nor set in the environment).
    """
    found: dict[str, str] = {}
    for key, env in (("name", "GIT_AUTHOR_NAME"), ("email", "GIT_AUTHOR_EMAIL")):
        value = os.environ.get(env, "")
        if not value:
            try:
                value = run_git(["config", f"user.{key}"], Path(cwd), check=False).strip()
            except GitError:
                value = ""
        if not value and key == "email":
            value = os.environ.get("EMAIL", "")
        found[key] = value
    missing = [k for k, v in found.items() if not v]
    if missing:
        raise DemoError(
            f"git has no user {' and '.join(missing)} to commit the demo's experiments with; "
            'set them once with: git config --global user.name "Your Name" && '
            'git config --global user.email "you@example.com"'
        )
    return f"{found['name']} <{found['email']}>"


def _prepare_workdir(workdir: Path) -> None:
    if workdir.exists():
        if not workdir.is_dir():
            raise DemoError(f"{workdir}: exists and is not a folder; choose another --workdir")
        if any(workdir.iterdir()) and not (workdir / MARKER).exists():
            raise DemoError(
                f"{workdir}: exists and was not made by the demo; choose another --workdir "
                "or remove it"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text(
        "Scratch folder of `codeflash-lab demo`; it is replaced on every run.\n",
        encoding="utf-8",
    )


def create_project(workdir: str | os.PathLike[str]) -> DemoProject:
    """Make a fresh scratch repository holding the demo service, with one commit on ``main``.

    A folder left by an earlier (or interrupted) demo run is replaced; any other
    existing, non-empty folder is refused.

    Args:
        workdir: the scratch folder (e.g. ``demo-workspace``).

    Returns:
        The :class:`DemoProject`.

    Raises:
        DemoError: ``workdir`` is not the demo's to replace, or git has no identity.
        GitError: git itself fails.
    """
    root = Path(workdir).resolve()
    check_git_identity(root.parent if root.parent.exists() else Path.cwd())
    _prepare_workdir(root)
    project = root / "shopfront"
    shutil.copytree(SERVICE_DIR, project, ignore=_IGNORE)
    run_git(["init", "-q", "-b", "main"], project)
    run_git(["config", "commit.gpgsign", "false"], project)
    check_git_identity(project)
    run_git(["add", "--", "."], project)
    run_git(["commit", "-q", "-m", "shopfront: import the order service"], project)
    logs = root / "logs"
    logs.mkdir()
    return DemoProject(root, project, logs)


def apply_fix(project: str | os.PathLike[str], item: Exercise) -> list[str]:
    """Replace the exercise's file in ``project`` with its fixed version.

    Returns:
        The changed files, relative to the project.
    """
    dest = Path(project) / item.file
    shutil.copyfile(item.fix_path, dest)
    return [item.file]


def revert_fix(project: str | os.PathLike[str], item: Exercise) -> None:
    """Put the exercise's file back as it is in the last commit (index and work tree)."""
    run_git(["checkout", "HEAD", "--", item.file], Path(project))
