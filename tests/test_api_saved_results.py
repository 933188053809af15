"""The package-level scan and review save their results: a report built from the API has them."""

from __future__ import annotations

from pathlib import Path

from review_helpers import commit, start_project

import codeflash_lab
from codeflash_lab.report import build_report
from codeflash_lab.workspace import Workspace, load_runs, read_section

SLOW = "import time\n\n\nasync def handler():\n    time.sleep(0.1)\n    return 1\n"
FIXED = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(0.1)\n    return 1\n"


def test_scan_and_review_from_the_api_reach_the_report(git_repo: Path) -> None:
    start_project(git_repo, {"app.py": SLOW})
    found = codeflash_lab.scan_paths([git_repo / "app.py"], cache=False)
    assert found.findings
    assert len(load_runs(Workspace(git_repo), "scan")) == 1
    commit(git_repo, {"app.py": FIXED}, "async: sleep without blocking")
    result = codeflash_lab.review(git_repo, run_tests=False)
    assert len(load_runs(Workspace(git_repo), "review")) == 1
    report = build_report(git_repo)
    assert report.scanned
    assert report.findings_total == len(found.findings)
    assert report.reviewed == f"{result.base}..{result.head}"
    page = report.to_html()
    assert "No scan saved yet" not in page
    assert "No review saved yet" not in page
    assert read_section(Workspace(git_repo), "Pre-submit review findings").startswith("Reviewed")


def test_nothing_is_saved_outside_a_project_or_when_asked_not_to(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SLOW, encoding="utf-8")
    codeflash_lab.scan_paths([tmp_path / "app.py"], cache=False)
    assert not (tmp_path / ".codeflash").exists()
    (tmp_path / ".codeflash").mkdir()
    codeflash_lab.scan_paths([tmp_path], cache=False, save=False)
    assert load_runs(Workspace(tmp_path), "scan") == []
