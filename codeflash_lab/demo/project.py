"""The demo's scratch project: a git repository holding a copy of the shopfront service.

Creates it (refusing folders the demo did not make), applies and reverts the
fixes of :mod:`codeflash_lab.demo.catalog`, and runs the project's own tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from codeflash_lab._git import run_git
from codeflash_lab.demo.catalog import SERVICE_DIR, Exercise
from codeflash_lab.errors import DemoError, GitError

__all__ = [
    "MARKER",
    "DemoProject",
    "TestOutcome",
    "apply_fix",
    "check_git_identity",
    "create_project",
    "revert_fix",
    "run_tests",
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


@dataclass(frozen=True)
class TestOutcome:
    """What the project's test command reported.

    Attributes:
        passed: tests that passed.
        failed: tests that failed or errored.
        failures: node ids of the failing tests.
        output: the last lines of the test run's output.
    """

    passed: int
    failed: int
    failures: tuple[str, ...]
    output: str

    @property
    def ok(self) -> bool:
        """True when nothing failed and something ran."""
        return self.failed == 0 and self.passed > 0

    def __str__(self) -> str:
        text = f"{self.passed} passed, {self.failed} failed"
        if self.failures:
            text += " (" + ", ".join(f.rsplit("::", 1)[-1] for f in self.failures) + ")"
        return text


_COUNT = re.compile(r"(\d+) (passed|failed|errors?)\b")
_SUMMARY = re.compile(r" in [\d.]+s\b")
_FAILED_ID = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.M)


def run_tests(
    project: str | os.PathLike[str], *, python: str | None = None, timeout_s: float = 120.0
) -> TestOutcome:
    """Run the project's tests (``python -m pytest``) and count the results.

    Raises:
        DemoError: the tests could not run at all (pytest missing, timeout).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONASYNCIO"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cmd = [python or sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-rfE"]
    cmd += ["-p", "no:cacheprovider"]
    try:
        proc = subprocess.run(
            cmd,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DemoError(f"the demo's tests did not finish within {timeout_s:.0f} s") from exc
    text = proc.stdout + proc.stderr
    counts = {"passed": 0, "failed": 0}
    summary = next(
        (ln for ln in reversed(text.splitlines()) if _SUMMARY.search(ln) and _COUNT.search(ln)),
        "",
    )
    for number, word in _COUNT.findall(summary):
        counts["passed" if word == "passed" else "failed"] += int(number)
    if counts["passed"] + counts["failed"] == 0:
        tail = " | ".join(text.strip().splitlines()[-3:])
        raise DemoError(f"the demo's tests did not run (exit code {proc.returncode}): {tail}")
    tail = "\n".join(text.strip().splitlines()[-15:])
    return TestOutcome(counts["passed"], counts["failed"], tuple(_FAILED_ID.findall(text)), tail)
