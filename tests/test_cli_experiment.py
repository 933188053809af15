"""The whole CLI loop on a project that is not the demo (``tests/own_project.py``: its own
venv, a dependency codeflash-lab does not have), through fresh processes.

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
from flow_project import (
    FAST_SERVICE,
    OWN_TARGET,
    TARGET,
    drop_the_wait,
    git,
    make_project,
    own_git_project,
)
from own_project import OwnVenv, own_venv

from codeflash_lab.workspace.results import read_results

SERVICE_PY = "src/tinysvc/service.py"
HANDLERS_PY = "src/svc/handlers.py"
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


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> OwnVenv:
    return own_venv(tmp_path_factory)


@pytest.mark.slow
def test_the_whole_cli_loop_on_an_own_project(venv: OwnVenv, tmp_path: Path) -> None:
    project = own_git_project(tmp_path / "svc", venv)
    before = venv.listing()
    target = OWN_TARGET  # module:function, from the project's src/
    _cli(project, "init", "--branch")
    setup = (project / ".codeflash" / "setup.md").read_text()
    assert f"- interpreter: {project / '.venv' / 'bin' / 'python'}" in setup
    assert "- test_command: .venv/bin/python -m pytest" in setup
    scan = _cli(project, "scan", "src", ok=(1,))
    assert "time.sleep" in scan.stdout or "blocking" in scan.stdout
    debug = _cli(project, "debug", "--quiet", "--", ".venv/bin/python", "-c",
                 "import asyncio, sys; sys.path.insert(0, 'src'); from svc.handlers import "
                 "blocking; asyncio.run(blocking())")  # fmt: skip
    assert "slow" in debug.stdout.lower()
    profile = _cli(project, "profile", target, "--duration", "0.3")
    assert "slow_path" in profile.stdout
    assert f"ran in {project / '.venv' / 'bin' / 'python'}" in profile.stdout
    _cli(project, "bench", target, "--runs", "1", *SHORT)

    # a KEEP: the 20 ms sleep removed
    _cli(project, "experiment", "start", target, "--pattern", "sequential-awaits",
         "-m", "drop the 20 ms wait from slow_path")  # fmt: skip
    handlers = project / HANDLERS_PY
    handlers.write_text(drop_the_wait(handlers.read_text()))
    ignored = _cli(project, "compare", target, "--base", "HEAD", "--head", "HEAD", "--no-save",
                   "--preset", "quick", "--budget", "6", *SHORT, ok=(0, 2))  # fmt: skip
    assert "WARNING: 1 uncommitted change(s) are NOT measured" in ignored.stderr
    _cli(project, "compare", target, "--base", "HEAD", "--head", "WORKTREE",
         "--preset", "quick", "--budget", "25", *SHORT)  # fmt: skip
    keep = _cli(project, "record", "--from-compare", "latest", "--pattern", "sequential-awaits",
                "-m", "drop the 20 ms wait from slow_path")  # fmt: skip
    assert "[guard] tests: 1 passed, 0 failed" in keep.stdout, keep.stdout
    assert "KEEP [" in keep.stdout
    assert git(project, "log", "-1", "--format=%s") == "async: drop the 20 ms wait from slow_path\n"
    kept = handlers.read_text()

    # a DISCARD: a no-op change
    _cli(project, "experiment", "start", target, "--pattern", "sequential-awaits",
         "-m", "reword the slow_path docstring")  # fmt: skip
    handlers.write_text(kept.replace("waits 20 ms more", "waits 20 ms longer"))
    _cli(project, "compare", target, "--base", "HEAD", "--head", "WORKTREE",
         "--preset", "quick", "--budget", "8", *SHORT)  # fmt: skip
    discard = _cli(project, "record", "--from-compare", "latest", "--pattern",
                   "sequential-awaits", "-m", "reword the slow_path docstring")  # fmt: skip
    assert "DISCARD" in discard.stdout
    assert "DISCARD [noise]" in discard.stdout or "INCONCLUSIVE [unproven]" in discard.stdout
    assert "show it is noise" not in discard.stdout
    assert "git apply .codeflash/runs/discard-2.patch" in discard.stdout
    assert handlers.read_text() == kept

    rows = read_results(project / ".codeflash" / "results.tsv").rows
    assert [(r.status, r.tests_passed, r.tests_failed) for r in rows] == [
        ("KEEP", 1, 0),
        ("DISCARD", 1, 0),
    ]
    assert json.loads(_cli(project, "status", "--format", "json").stdout)
    handoff = (project / ".codeflash" / "HANDOFF.md").read_text()
    assert "reword the slow_path docstring" in handoff

    _cli(project, "review")
    _cli(project, "prs")
    (body_path,) = (project / ".codeflash" / "prs").rglob("*.md")
    body = body_path.read_text()
    tests_line = next(line for line in body.splitlines() if "(tests: " in line)
    assert tests_line.startswith("- [x] Changed async code is run on an event loop by the tests")
    assert "tests: pass; tests: 1 passed, 0 failed, 0 skipped in " in tests_line
    assert tests_line.endswith(" s (.venv/bin/python -m pytest))"), tests_line
    _cli(project, "report", "-o", str(tmp_path / "report.html"))
    assert (tmp_path / "report.html").is_file()
    assert git(project, "status", "--porcelain", "--untracked-files=no", "--", "src") == ""
    assert venv.listing() == before  # nothing installed into the project's environment


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
