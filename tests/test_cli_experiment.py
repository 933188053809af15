"""The whole CLI loop on a project that is not the demo, through fresh processes.

init → scan → debug → profile → bench → (experiment start → edit → compare --head
WORKTREE → record --from-compare) for one KEEP and one DISCARD → status → review →
prs → report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flow_project import FAST_SERVICE, TARGET, git, make_project

from codeflash_lab.workspace.results import read_results

SERVICE_PY = "src/tinysvc/service.py"
SHORT = ["--concurrency", "2", "--min-run", "0.15", "--warmup", "0.02"]


def _cli(project: Path, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", *args],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
        timeout=300,
    )
    assert proc.returncode in ok, (args, proc.returncode, proc.stdout[-2000:], proc.stderr[-3000:])
    return proc


@pytest.mark.slow
def test_the_whole_cli_loop_on_an_own_project(tmp_path: Path) -> None:
    project = make_project(tmp_path / "tinysvc")
    _cli(project, "init", "--branch")
    scan = _cli(project, "scan", "src", ok=(1,))
    assert "blocking-call" in scan.stdout or "time.sleep" in scan.stdout
    _cli(project, "debug", "--quiet", "--", ".venv/bin/python", "-c",
         "import asyncio, sys; sys.path.insert(0, 'src'); from tinysvc.service import handle; "
         "asyncio.run(handle())", ok=(0, 1))  # fmt: skip
    _cli(project, "profile", TARGET, "--duration", "0.3")
    _cli(project, "bench", TARGET, "--runs", "1", *SHORT)

    # a KEEP: the blocking sleep removed
    _cli(project, "experiment", "start", TARGET, "--pattern", "blocking-call",
         "-m", "drop the blocking sleep from handle")  # fmt: skip
    (project / SERVICE_PY).write_text(FAST_SERVICE)
    ignored = _cli(project, "compare", TARGET, "--base", "HEAD", "--head", "HEAD", "--no-save",
                   "--preset", "quick", "--budget", "6", *SHORT)  # fmt: skip
    assert "WARNING: 1 uncommitted change(s) are NOT measured" in ignored.stderr
    _cli(project, "compare", TARGET, "--base", "HEAD", "--head", "WORKTREE",
         "--preset", "quick", "--budget", "10", *SHORT)  # fmt: skip
    keep = _cli(project, "record", "--from-compare", "latest", "--pattern", "blocking-call",
                "-m", "drop the blocking sleep from handle")  # fmt: skip
    assert "[guard] tests: 2 passed, 0 failed" in keep.stdout, keep.stdout
    assert "KEEP [" in keep.stdout
    assert (
        git(project, "log", "-1", "--format=%s") == "async: drop the blocking sleep from handle\n"
    )

    # a DISCARD: a no-op change
    _cli(project, "experiment", "start", TARGET, "--pattern", "blocking-call",
         "-m", "reword the handler docstring")  # fmt: skip
    (project / SERVICE_PY).write_text(FAST_SERVICE.replace("one request.", "one request, again."))
    _cli(project, "compare", TARGET, "--base", "HEAD", "--head", "WORKTREE",
         "--preset", "quick", "--budget", "10", *SHORT)  # fmt: skip
    discard = _cli(project, "record", "--from-compare", "latest", "--pattern", "blocking-call",
                   "-m", "reword the handler docstring")  # fmt: skip
    assert "DISCARD" in discard.stdout
    assert "git apply .codeflash/runs/discard-2.patch" in discard.stdout
    assert (project / SERVICE_PY).read_text() == FAST_SERVICE

    rows = read_results(project / ".codeflash" / "results.tsv").rows
    assert [r.status for r in rows] == ["KEEP", "DISCARD"]
    status = _cli(project, "status", "--format", "json")
    assert json.loads(status.stdout)
    handoff = (project / ".codeflash" / "HANDOFF.md").read_text()
    assert "reword the handler docstring" in handoff

    _cli(project, "review")
    _cli(project, "prs")
    (body_path,) = (project / ".codeflash" / "prs").rglob("*.md")
    body = body_path.read_text()
    tests_line = next(line for line in body.splitlines() if "(tests: " in line)
    assert tests_line.startswith("- [x] Changed async code is run on an event loop by the tests")
    assert "tests: pass; tests: 2 passed, 0 failed, 0 skipped in " in tests_line
    assert tests_line.endswith(" s (.venv/bin/python -m pytest))"), tests_line
    _cli(project, "report", "-o", str(tmp_path / "report.html"))
    assert (tmp_path / "report.html").is_file()
    assert git(project, "status", "--porcelain", "--untracked-files=no", "--", "src") == ""


def test_experiment_actions_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from codeflash_lab.cli import main

    project = make_project(tmp_path / "tinysvc")
    assert main(["init", str(project)]) == 0
    at = ["--project", str(project)]
    assert main(["experiment", "status", *at]) == 0
    assert "no open experiment" in capsys.readouterr().out
    start = ["experiment", "start", TARGET, "--pattern", "blocking-call", "-m", "drop it", *at]
    assert main(start) == 0
    assert main(start) == 2
    assert "already open" in capsys.readouterr().err
    (project / SERVICE_PY).write_text(FAST_SERVICE)
    assert main(["experiment", "status", *at]) == 0
    assert f"changed: {SERVICE_PY}" in capsys.readouterr().out
    assert main(["experiment", "guard", *at]) == 0
    assert "[guard] tests: 2 passed, 0 failed" in capsys.readouterr().out
    assert main(["experiment", "finish", "--status", "discard", "--format", "json", *at]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "DISCARD"
    assert doc["ruling"]["rule"] == "person"
    assert doc["reverted"] == [SERVICE_PY]
    assert doc["patch"].endswith("discard-1.patch")
    assert main(start) == 0
    (project / SERVICE_PY).write_text(FAST_SERVICE)
    assert main(["experiment", "abandon", *at]) == 0
    out = capsys.readouterr().out
    assert "re-apply it with: git apply .codeflash/runs/abandoned-1.patch" in out
    assert main(["experiment", "status", *at]) == 0
    assert "no open experiment" in capsys.readouterr().out
