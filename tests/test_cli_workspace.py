"""The real CLI in subprocesses: init, a sequence of records, status per the rules, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codeflash_lab.workspace.runs import save_run
from tests.conftest import git

pytestmark = pytest.mark.slow


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeflash_lab", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def ok(cwd: Path, *args: str) -> str:
    proc = cli(cwd, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def fails(cwd: Path, *args: str) -> str:
    """Run, expect exit 2 with exactly one line on stderr, and return that line."""
    proc = cli(cwd, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def status(cwd: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(cwd, "status", "--format", "json"))
    return data


def record(cwd: Path, pattern: str, change: str, *extra: str, attempt: int = 0) -> str:
    return ok(
        cwd,
        "record",
        "--target-test",
        "app:handler",
        "--pattern",
        pattern,
        "-m",
        f"try {pattern}" + (f" ({attempt})" if attempt else ""),
        f"--latency-change={change}",
        "--concurrency",
        "20",
        *extra,
    )


@pytest.fixture
def project(git_repo: Path) -> Path:
    (git_repo / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nrequires-python = ">=3.12"\n'
        'dependencies = ["fastapi", "httpx", "asyncpg", "uvicorn"]\n'
    )
    (git_repo / "app.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "service")
    out = ok(git_repo, "init", str(git_repo))
    assert out.splitlines()[0] == "[discovery] Python 3.12, FastAPI project, 4 async-relevant deps"
    return git_repo


def test_init_writes_the_workspace_and_rerunning_keeps_it(project: Path) -> None:
    cf = project / ".codeflash"
    assert "- framework: FastAPI" in (cf / "setup.md").read_text()
    assert (cf / "results.tsv").read_text().startswith("commit\ttarget_test\t")
    record(project, "sequential-awaits", "-40%")
    log, handoff = (cf / "results.tsv").read_bytes(), (cf / "HANDOFF.md").read_bytes()
    again = ok(project, "init", str(project))
    assert "results.tsv already holds 1 experiment(s)" in again
    assert (cf / "results.tsv").read_bytes() == log
    assert (cf / "HANDOFF.md").read_bytes() == handoff
    data = json.loads(ok(project, "init", str(project), "--format", "json"))
    assert data["discovery"]["async_deps"] == ["asyncpg", "fastapi", "httpx", "uvicorn"]


def test_a_sequence_of_records_drives_rotation_plateau_and_stuck(project: Path) -> None:
    out = record(project, "sequential-awaits", "-40%")
    assert "[experiment 1] KEEP" in out
    record(project, "sequential-awaits", "+2%")
    out = record(project, "await-in-loop", "+1%")
    assert "[experiment 3] DISCARD — neither latency nor throughput improved" in out
    s = status(project)
    assert (s["consecutive_discards"], s["irreducible"], s["rotate"]) == (2, False, False)
    out = record(project, "sequential-awaits", "+3%")
    assert "[plateau] 3 consecutive discards. Rotating to blocking-call removal." in out
    s = status(project)
    assert (s["irreducible"], s["rotate"], s["stuck"]) == (True, True, False)
    assert s["current_strategy"] == "sequential-await gathering"
    assert s["next_strategy"] == "blocking-call removal"
    record(project, "blocking-call", "+1%")
    s = status(project)
    assert (s["consecutive_discards"], s["stuck"], s["rotate"]) == (4, False, False)
    out = record(project, "blocking-call", "+1%", attempt=2)
    assert "stuck" in out
    s = status(project)
    assert (s["consecutive_discards"], s["stuck"], s["experiments_left"]) == (5, True, 3)
    assert len(s["stuck_checklist"]) == 6
    text = ok(project, "status")
    assert "recovery checklist:" in text
    assert "experiments left before stopping: 3" in text
    record(project, "client-per-request", "+1%")
    record(project, "client-per-request", "+1%", attempt=2)
    out = record(project, "client-per-request", "+1%", attempt=3)
    assert "[plateau] 8 consecutive discards, recovery exhausted. Stopping." in out
    s = status(project)
    assert (s["stop"], s["experiments_left"]) == (True, 0)
    for key in (
        "experiments",
        "keeps",
        "discards",
        "consecutive_discards",
        "irreducible",
        "diminishing_returns",
        "rotate",
        "stuck",
        "current_strategy",
        "next_strategy",
        "advice",
    ):
        assert key in s
    assert (s["experiments"], s["keeps"], s["discards"]) == (9, 1, 8)
    handoff = (project / ".codeflash" / "HANDOFF.md").read_text()
    assert "- #9 " in handoff
    assert "flags: stop, stuck, irreducible" in handoff


@pytest.mark.parametrize(("ratio", "flag"), [(0.49, True), (0.51, False)])
def test_diminishing_returns_boundary(project: Path, ratio: float, flag: bool) -> None:
    gain = 400.0
    for i in range(4):
        ok(
            project,
            "record",
            "--target-test",
            "app:handler",
            "--pattern",
            "sequential-awaits",
            "-m",
            f"keep {i}",
            "--baseline-throughput",
            "100",
            "--optimized-throughput",
            str(100 + gain),
        )
        gain *= ratio
    s = status(project)
    assert s["keeps"] == 4
    assert s["diminishing_returns"] is flag
    assert ("Diminishing returns" in s["advice"]) is flag


def test_small_changes_need_an_answer(project: Path) -> None:
    line = fails(
        project,
        "record",
        "--target-test",
        "t",
        "--pattern",
        "blocking-call",
        "-m",
        "x",
        "--latency-change=-5%",
    )
    assert "NEEDS_CONFIRMATION" in line
    assert "[experiment 1] KEEP" in record(project, "blocking-call", "-5%", "--confirmed")
    out = record(project, "blocking-call", "+1%", "--blocking-removed")
    assert "[experiment 2] KEEP [blocking-removed]" in out
    assert "evidence: asserted by a person, not measured" in out


def test_concurrency_change_needs_a_new_baseline(project: Path) -> None:
    record(project, "sequential-awaits", "-40%")
    log = (project / ".codeflash" / "results.tsv").read_bytes()
    args = ("--target-test", "t", "--pattern", "blocking-call", "-m", "x", "--latency-change=-30%")
    line = fails(project, "record", *args, "--concurrency", "64")
    assert "concurrency 64 differs" in line
    assert (project / ".codeflash" / "results.tsv").read_bytes() == log
    out = ok(project, "record", *args, "--concurrency", "64", "--new-baseline")
    assert "[baseline]" in out
    assert "concurrency 20 -> 64" in (project / ".codeflash" / "HANDOFF.md").read_text()


def test_record_from_a_saved_compare(project: Path) -> None:
    side = {"latency_ms": {"p50": 120.0}, "throughput_ops_s": 400.0}
    faster = {"latency_ms": {"p50": 48.0}, "throughput_ops_s": 900.0}
    save_run(
        project,
        "compare",
        {"target": "app:handler", "concurrency": 20, "verdict": "KEEP", "a": side, "b": faster},
    )
    out = ok(
        project,
        "record",
        "--from-compare",
        "latest",
        "--pattern",
        "client-per-request",
        "-m",
        "reuse one session",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert data["experiment"]["status"] == "KEEP"
    assert data["experiment"]["target_test"] == "app:handler"
    row = (project / ".codeflash" / "results.tsv").read_text().splitlines()[1].split("\t")
    assert row[1:10] == ["app:handler", "120", "48", "-60%", "400", "900", "+125%", "20", ""]


def test_keep_with_files_commits_on_the_branch(project: Path) -> None:
    (project / "app.py").write_text("from fastapi import FastAPI\n\napp = FastAPI(debug=False)\n")
    out = record(project, "sequential-awaits", "-40%", "--files", "app.py")
    assert "committed" in out
    assert git(project, "log", "-1", "--format=%s").strip() == "async: try sequential-awaits"
    history = status(project)["history"]
    assert history["files_touched"] == {"app.py": 1}
    assert "Files touched by keeps: app.py (1)" in ok(project, "status")
    handoff = (project / ".codeflash" / "HANDOFF.md").read_text()
    assert "Files touched by keeps: app.py (1)" in handoff


def test_init_can_switch_to_the_optimization_branch(project: Path, tmp_path: Path) -> None:
    out = ok(project, "init", "--branch")
    assert out.strip().endswith("on branch codeflash/optimize")
    assert git(project, "branch", "--show-current").strip() == "codeflash/optimize"
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "not a git repository" in fails(plain, "init", "--branch")
    assert (plain / ".codeflash" / "results.tsv").exists()
    assert status(plain)["history"] is None


def test_bad_input_gives_one_line_and_loses_nothing(project: Path, tmp_path: Path) -> None:
    cf = project / ".codeflash"
    record(project, "sequential-awaits", "-40%")
    good = (cf / "results.tsv").read_text()

    # a truncated log
    (cf / "results.tsv").write_text(good[: good.rindex("\t")])
    truncated = (cf / "results.tsv").read_bytes()
    line = fails(project, "status")
    assert "results.tsv:2" in line
    assert "truncated" in line
    fails(project, "record", "--target-test", "t", "--pattern", "blocking-call", "-m", "x",
          "--latency-change=-30%")  # fmt: skip
    assert (cf / "results.tsv").read_bytes() == truncated

    # a hand-mangled cell
    (cf / "results.tsv").write_text(good.replace("\t20\t", "\ttwenty\t"))
    assert "(column 'concurrency'): 'twenty' is not a number" in fails(project, "status")

    # a mangled header
    (cf / "results.tsv").write_text(good.replace("target_test", "target"))
    assert "header column 2" in fails(project, "status")
    (cf / "results.tsv").write_text(good)

    # a dirty index refuses the keep commit
    (project / "app.py").write_text("x = 1\n")
    (project / "notes.txt").write_text("n\n")
    git(project, "add", "notes.txt")
    handoff = (cf / "HANDOFF.md").read_bytes()
    line = fails(project, "record", "--target-test", "t", "--pattern", "blocking-call", "-m", "x",
                 "--latency-change=-30%", "--files", "app.py")  # fmt: skip
    assert "unrelated files are staged (notes.txt)" in line
    assert (cf / "results.tsv").read_text() == good
    assert (cf / "HANDOFF.md").read_bytes() == handoff

    # no .codeflash/ at all
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "run 'codeflash-lab init" in fails(empty, "status")

    # not a git repository
    ok(empty, "init")
    line = fails(empty, "record", "--target-test", "t", "--pattern", "blocking-call", "-m", "x",
                 "--latency-change=-30%")  # fmt: skip
    assert "not a git repository" in line
    assert "no such project folder" in fails(tmp_path, "init", str(tmp_path / "nope"))
