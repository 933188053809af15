"""``codeflash-lab review`` and ``codeflash-lab prs`` on real repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from review_helpers import commit, compare_run, git, results_row, save, snapshot, start_project

from codeflash_lab.cli import main
from codeflash_lab.workspace.handoff import read_section

APP = """
import asyncio


async def fetch(i):
    await asyncio.sleep(0)
    return i


def label(i):
    return f"item {i}"


async def page():
    return [await fetch(1), await fetch(2)]
"""


def test_review_json_lists_findings_and_exits_1_on_errors(git_repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    start_project(git_repo, {"app.py": APP})
    bad = (
        APP
        + "\n\nasync def broken():\n    try:\n        await fetch(1)\n    except:\n        pass\n"
    )
    commit(git_repo, {"app.py": bad}, "k")
    code = main(["review", "--project", str(git_repo), "--format", "json", "--no-tests"])
    out, err = capsys.readouterr()
    assert code == 1
    findings = json.loads(out)
    assert isinstance(findings, list)
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(f["check"], f["path"], f["line"]) for f in errors] == [("suppression", "app.py", 20)]
    assert {"check", "severity", "path", "line", "message"} <= set(errors[0])
    assert "[review] saved" in err
    assert "bare except" in (read_section(git_repo, "Pre-submit review findings") or "")


def test_review_text_on_a_clean_change_exits_0(git_repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    start_project(git_repo, {"app.py": APP})
    commit(git_repo, {"app.py": APP.replace('f"item {i}"', 'f"Item {i}"')}, "k")
    code = main(["review", "--project", str(git_repo), "--no-save"])
    out = capsys.readouterr().out
    assert code == 0
    assert "0 error(s), 0 warning(s), 0 to confirm" in out
    assert not (git_repo / ".codeflash" / "HANDOFF.md").exists()


def test_review_without_optimization_branch_exits_2(git_repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    commit(git_repo, {"app.py": APP}, "code")
    before = snapshot(git_repo)
    code = main(["review", "--project", str(git_repo), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "no 'codeflash/optimize' branch" in err
    assert snapshot(git_repo) == before


def test_review_with_unknown_base_exits_2(git_repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    start_project(git_repo, {"app.py": APP})
    assert main(["review", "--project", str(git_repo), "--base", "nope"]) == 2
    assert "base 'nope' does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_review_as_a_process(git_repo: Path) -> None:
    start_project(git_repo, {"app.py": APP})
    commit(git_repo, {"app.py": APP + "\n\nasync def bad():\n    asyncio.run(fetch(1))\n"}, "k")
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "review", "--format", "json", "--no-tests"],
        cwd=git_repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)[0]["check"] == "asyncio-run"


def test_prs_creates_branches_and_prints_json(git_repo: Path, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    start_project(git_repo, {"app.py": APP, "other.py": "X = 1\n"})
    changed = APP.replace(
        "    return [await fetch(1), await fetch(2)]\n",
        "    return list(await asyncio.gather(fetch(1), fetch(2)))\n",
    )
    sha = commit(git_repo, {"app.py": changed}, "async: gather page fetches")
    save(git_repo, "compare", compare_run("app:page", a_p50=2.0, b_p50=1.0, a_tp=900, b_tp=1800))
    results_row(
        git_repo, sha, "app:page", before=2, after=1, tp_before=900, tp_after=1800,
        description="gather page fetches",
    )  # fmt: skip
    out_dir = tmp_path / "prs-out"
    code = main(["prs", "--project", str(git_repo), "--out", str(out_dir), "--format", "json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    (pr,) = doc["prs"]
    assert pr["branch"] == "async/gather-page-fetches"
    assert git(git_repo, "rev-parse", pr["branch"]).strip() == pr["head"]
    assert Path(pr["body"]).parent == out_dir / "gather-page-fetches"
    assert "| p50 latency (ms) | 2 | 1 | -50% |" in Path(pr["body"]).read_text(encoding="utf-8")


def test_prs_without_keeps_exits_2_and_changes_nothing(git_repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    start_project(git_repo, {"app.py": APP})
    commit(git_repo, {"app.py": APP + "\nY = 2\n"}, "k")
    before = snapshot(git_repo)
    assert main(["prs", "--project", str(git_repo)]) == 2
    assert "no KEEP rows" in capsys.readouterr().err
    assert snapshot(git_repo) == before


def test_review_rejects_a_non_positive_test_timeout(git_repo: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    start_project(git_repo, {"app.py": APP})
    assert main(["review", "--project", str(git_repo), "--test-timeout", "0"]) == 2
    assert "test_timeout_s: must be positive" in capsys.readouterr().err
