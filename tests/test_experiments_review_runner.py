"""The whole review: a clean change has no finding; results land in runs/ and HANDOFF.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import commit, compare_run, results_row, save, snapshot, start_project

from codeflash_lab.experiments.review import (
    HANDOFF_SECTION,
    available_checks,
    last_review,
    record_review,
    review,
)
from codeflash_lab.workspace.handoff import read_section
from codeflash_lab.workspace.runs import load_runs

SVC = """
import asyncio


async def fetch(i):
    await asyncio.sleep(0)
    return i


async def handler(x):
    a = await fetch(x)
    b = await fetch(x + 1)
    return [a, b]
"""

CLEAN = SVC.replace(
    "    a = await fetch(x)\n    b = await fetch(x + 1)\n    return [a, b]\n",
    "    async with asyncio.TaskGroup() as tg:\n"
    "        a = tg.create_task(fetch(x))\n"
    "        b = tg.create_task(fetch(x + 1))\n"
    "    return [a.result(), b.result()]\n",
)

TESTS = """
import asyncio

from svc import handler


def test_handler_keeps_order():
    assert asyncio.run(handler(3)) == [3, 4]
"""

SETUP = "- python: 3.11\n- test_command: pytest -q -p no:cacheprovider tests\n"


@pytest.mark.slow
def test_clean_change_has_no_findings_with_every_check(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC, "tests/test_svc.py": TESTS}, setup=SETUP)
    sha = commit(git_repo, {"svc.py": CLEAN}, "async: TaskGroup fan-out")
    save(
        git_repo, "compare", compare_run("svc:handler", a_p50=9.5, b_p50=3.2, a_tp=5200, b_tp=15400)
    )
    results_row(git_repo, sha, "svc:handler", before=9.5, after=3.2, tp_before=5200, tp_after=15400)
    result = review(git_repo)
    assert set(result.checks_run) == set(available_checks())
    assert "tests" in result.checks_run
    assert "scan" in result.checks_run
    # the TaskGroup is a behaviour change to confirm, not a problem
    assert [(f.check, f.severity) for f in result.findings] == [("behaviour", "info")]
    assert result.exit_code == 0
    assert result.files == ("svc.py",)


def test_review_reads_only_and_record_writes_runs_and_handoff(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC})
    commit(git_repo, {"svc.py": SVC + "\n\nasync def bad():\n    asyncio.run(fetch(1))\n"}, "k")
    before = snapshot(git_repo)
    result = review(git_repo, run_tests=False)
    assert snapshot(git_repo) == before
    assert result.has_errors
    saved = record_review(result, git_repo)
    (run,) = load_runs(git_repo, "review")
    assert run["_path"] == str(saved)
    assert {"check", "severity", "path", "line", "message", "why"} <= set(run["findings"][0])
    section = read_section(git_repo, HANDOFF_SECTION)
    assert "asyncio.run() inside async def bad" in section
    assert "svc.py:16" in section
    again = last_review(git_repo)
    assert again is not None
    assert again.findings == result.findings
    assert again.head_sha == result.head_sha


def test_unknown_check_name_is_a_value_error(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC})
    with pytest.raises(ValueError, match="checks: unknown check"):
        review(git_repo, checks=["nope"])


def test_a_file_too_deep_to_parse_is_skipped_not_fatal(git_repo: Path) -> None:
    start_project(git_repo, {"svc.py": SVC})
    deep = "X = 1" + "+1" * 50_000 + "\n"
    commit(git_repo, {"generated.py": deep, "svc.py": SVC + "\nY = 2\n"}, "k")
    result = review(git_repo, run_tests=False)
    assert result.files == ("generated.py", "svc.py")
    assert [f for f in result.findings if f.check != "tests"] == []
