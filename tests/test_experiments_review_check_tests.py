"""The tests check: the project's tests run under coverage against the changed async lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from review_helpers import commit, start_project

from codeflash_lab.experiments.review import review
from codeflash_lab.experiments.review.checks.check_tests import coverage_command

SVC = """
import asyncio


async def handler(n):
    await asyncio.sleep(0)
    return n


async def refresh(n):
    await asyncio.sleep(0)
    return n


def describe():
    return "svc"
"""

SVC_CHANGED = """
import asyncio


async def handler(n):
    results = await asyncio.gather(asyncio.sleep(0, n), asyncio.sleep(0, n + 1))
    if n < 0:
        return []
    return results


async def refresh(n):
    values = await asyncio.gather(asyncio.sleep(0, n))
    return values


def describe():
    return "svc"
"""

TESTS = """
import asyncio

from svc import describe, handler


def test_handler_runs_on_a_loop():
    assert asyncio.run(handler(1)) == [1, 2]


def test_describe():
    assert describe() == "svc"


def test_unrelated_failure():
    assert describe() == "other"
"""

SETUP = "- python: 3.11\n- test_command: {cmd}\n"


def _tests_findings(repo: Path) -> list:
    return sorted(review(repo, checks=["tests"]).findings, key=lambda f: (f.path, f.line))


@pytest.mark.slow
def test_uncovered_changed_async_lines_and_failing_tests_are_reported(git_repo: Path) -> None:
    cmd = "pytest -q -p no:cacheprovider tests"
    start_project(
        git_repo, {"svc.py": SVC, "tests/test_svc.py": TESTS}, setup=SETUP.format(cmd=cmd)
    )
    commit(git_repo, {"svc.py": SVC_CHANGED}, "k")
    found = _tests_findings(git_repo)
    assert [(f.path, f.line, f.severity) for f in found] == [
        (".codeflash/setup.md", 0, "warning"),
        ("svc.py", 7, "warning"),
        ("svc.py", 12, "warning"),
    ]
    assert "exited 1 (failing tests)" in found[0].message
    assert "changed lines 7 of async def handler are not executed" in found[1].message
    assert "no test runs async def refresh on an event loop" in found[2].message


def test_missing_test_command_is_a_finding(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC})
    commit(git_repo, {"svc.py": SVC_CHANGED}, "k")
    (f,) = _tests_findings(git_repo)
    assert (f.path, f.severity) == (".codeflash/setup.md", "warning")
    assert "tests not run: no '- test_command: ...' line" in f.message
    assert "handler, refresh" in f.why


def test_command_that_cannot_run_under_coverage_is_a_finding(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC}, setup=SETUP.format(cmd="make test"))
    commit(git_repo, {"svc.py": SVC_CHANGED}, "k")
    (f,) = _tests_findings(git_repo)
    assert "cannot run 'make test' under coverage" in f.message


@pytest.mark.slow
def test_no_changed_async_code_still_runs_the_guard_and_reports_it(git_repo: Path) -> None:
    passing = (
        "import asyncio\n\nfrom svc import describe, handler\n\n\n"
        "def test_handler():\n    assert asyncio.run(handler(1)) == 1\n\n\n"
        "def test_describe():\n    assert describe() == 'service'\n"
    )
    cmd = f"{sys.executable} -m pytest -q -p no:cacheprovider tests"
    start_project(
        git_repo, {"svc.py": SVC, "tests/test_svc.py": passing}, setup=SETUP.format(cmd=cmd)
    )
    commit(git_repo, {"svc.py": SVC.replace('"svc"', '"service"')}, "k")
    result = review(git_repo, checks=["tests"])
    assert result.findings == ()
    outcome = result.outcome("tests")
    assert outcome is not None
    assert outcome.state == "ran"
    assert outcome.guard is not None
    assert (outcome.guard.passed, outcome.guard.failed) == (2, 0)
    assert outcome.guard.source == "junit-xml"
    (item,) = [i for i in result.checklist_items() if i.name == "tests"]
    assert item.ticked
    assert item.note.startswith("tests: 2 passed, 0 failed, 0 skipped in ")
    assert item.note.endswith(f"({cmd})")


@pytest.mark.slow
def test_failing_tests_at_the_head_are_an_error_even_without_async_changes(
    git_repo: Path,
) -> None:
    cmd = f"{sys.executable} -m pytest -q -p no:cacheprovider tests"
    start_project(
        git_repo, {"svc.py": SVC, "tests/test_svc.py": TESTS}, setup=SETUP.format(cmd=cmd)
    )
    commit(git_repo, {"svc.py": SVC.replace('"svc"', '"service"')}, "k")
    result = review(git_repo, checks=["tests"])
    (f,) = result.findings
    assert f.severity == "error"
    assert "the project's tests fail at the reviewed head: tests: 0 passed, 3 failed" in f.message
    (item,) = [i for i in result.checklist_items() if i.name == "tests"]
    assert not item.ticked


@pytest.mark.slow
def test_the_coverage_run_is_reported_as_the_guard(git_repo: Path) -> None:
    cmd = f"{sys.executable} -m pytest -q -p no:cacheprovider tests"
    start_project(
        git_repo, {"svc.py": SVC, "tests/test_svc.py": TESTS}, setup=SETUP.format(cmd=cmd)
    )
    commit(git_repo, {"svc.py": SVC_CHANGED}, "k")
    outcome = review(git_repo, checks=["tests"]).outcome("tests")
    assert outcome is not None
    assert outcome.guard is not None
    assert (outcome.guard.passed, outcome.guard.failed) == (2, 1)
    assert outcome.guard.source.startswith("junit-xml, under coverage; first failure")


def test_coverage_command_rewrites_runner_prefixes() -> None:
    kw = {"data_file": "D", "include": ["/p/a.py"], "rcfile": "R", "python": "/py"}
    assert coverage_command("uv run pytest -x", **kw) == [
        "uv", "run", "python", "-m", "coverage", "run", "--rcfile=R", "--data-file=D",
        "--include=/p/a.py", "-m", "pytest", "-x",
    ]  # fmt: skip
    assert coverage_command("python3 -m pytest", **kw)[:3] == ["/py", "-m", "coverage"]
    assert coverage_command("tox -e py311", **kw) is None


def test_uncommitted_edits_to_the_changed_files_are_a_reason_not_to_run(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC}, setup=SETUP.format(cmd="pytest -q"))
    commit(git_repo, {"svc.py": SVC_CHANGED}, "k")
    (git_repo / "svc.py").write_text(SVC_CHANGED + "\n# local edit\n", encoding="utf-8")
    (f,) = _tests_findings(git_repo)
    assert "the working tree differs from the reviewed head in svc.py" in f.message


def test_test_command_none_counts_as_missing(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC}, setup=SETUP.format(cmd="none"))
    commit(git_repo, {"svc.py": SVC_CHANGED}, "k")
    (f,) = _tests_findings(git_repo)
    assert "no '- test_command: ...' line" in f.message


@pytest.mark.slow
def test_interpreter_without_coverage_is_named(git_repo: Path, tmp_path: Path) -> None:
    env = tmp_path / "bare-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    cmd = f"{env}/bin/python -m pytest -q"
    start_project(git_repo, {"svc.py": SVC}, setup=SETUP.format(cmd=cmd))
    commit(git_repo, {"svc.py": SVC_CHANGED}, "k")
    (f,) = _tests_findings(git_repo)
    assert f"coverage is not installed where {cmd!r} runs ({env}/bin/python)" in f.message


def test_explicit_interpreter_is_kept() -> None:
    kw = {"data_file": "D", "include": ["/p/a.py"], "rcfile": "R", "python": "/py"}
    argv = coverage_command(".venv/bin/python -m unittest discover -s tests", **kw)
    assert argv is not None
    assert argv[:4] == [".venv/bin/python", "-m", "coverage", "run"]
    assert argv[-4:] == ["unittest", "discover", "-s", "tests"]
