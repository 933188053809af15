"""``bench``, ``compare`` and ``sweep`` through the real CLI (fresh processes, real server)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _loopback_server import LoopbackServer
from conftest import git

from codeflash_lab.cli import main

SHORT = ["--min-run", "0.15", "--warmup", "0.02"]


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeflash_lab", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )


@pytest.mark.slow
def test_bench_json_against_a_loopback_server(server: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / ".codeflash").mkdir()
    proc = _cli(
        "bench", server.url + "/slow", "--concurrency", "4", "--runs", "2", "--format", "json",
        *SHORT, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["mode"] == "closed"
    assert doc["concurrency"] == 4
    assert len(doc["runs"]) == 2
    assert doc["errors"] == 0
    assert doc["latency_ms"]["p50"] >= 10.0
    assert list((tmp_path / ".codeflash" / "runs").glob("*-bench-*.json"))


@pytest.mark.slow
def test_bench_open_loop_text(server: LoopbackServer, tmp_path: Path) -> None:
    proc = _cli(
        "bench", server.url + "/ok", "--rate", "200", "--concurrency", "4", "--runs", "1",
        *SHORT, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "mode=open" in proc.stdout


def test_unresolvable_target_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["bench", "nowhere_mod:fn", "--project", str(tmp_path), *SHORT])
    err = capsys.readouterr().err
    assert code == 2
    assert "codeflash-lab: error: target 'nowhere_mod:fn'" in err
    assert "Traceback" not in err


def test_remote_url_needs_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "http://example.com/", *SHORT]) == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_refused_connection(capsys: pytest.CaptureFixture[str]) -> None:
    gone = LoopbackServer().start()
    url = gone.url
    gone.stop()
    assert main(["bench", url + "/", *SHORT]) == 2
    err = capsys.readouterr().err
    assert "connection refused" in err
    assert "Traceback" not in err


def test_all_ops_failing_exits_2_after_printing(server: LoopbackServer, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code = main(["bench", server.url + "/status/503", "--runs", "1", "--isolation", "loop",
                 "--project", str(tmp_path), *SHORT])  # fmt: skip
    out = capsys.readouterr()
    assert code == 2
    assert "HttpStatusError" in out.out
    assert "no operation succeeded" in out.err


@pytest.mark.slow
def test_compare_fail_on_regression(tmp_path: Path) -> None:
    (tmp_path / "ops_cli.py").write_text(
        "import asyncio\n"
        "async def fast():\n    await asyncio.sleep(0.002)\n"
        "async def slow():\n    await asyncio.sleep(0.02)\n"
    )
    proc = _cli(
        "compare", "ops_cli.py:fast", "ops_cli.py:slow", "--fail-on", "regression",
        "--format", "json", "--concurrency", "2", *SHORT, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["verdict"] == "DISCARD"
    assert doc["regression"] is True
    assert doc["criteria"]["p50"]["change_pct"] > 0


def test_compare_needs_two_targets_or_revisions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "a_mod:fn"]) == 2
    assert "two targets" in capsys.readouterr().err
    assert main(["compare", "a_mod:fn", "--base", "HEAD"]) == 2


@pytest.mark.slow
def test_sweep_json(tmp_path: Path) -> None:
    (tmp_path / "ops_sweep.py").write_text(
        "import asyncio\nasync def op():\n    await asyncio.sleep(0.002)\n"
    )
    proc = _cli("sweep", "ops_sweep.py:op", "--concurrency", "1,4", "--format", "json", *SHORT,
                cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [lv["concurrency"] for lv in doc["levels"]] == [1, 4]
    assert doc["probe"]["blocking"] is False


def test_hanging_target_times_out_per_op(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ops_hang.py").write_text(
        "import asyncio\nasync def hang():\n    await asyncio.Event().wait()\n"
    )
    code = main(["bench", "ops_hang.py:hang", "--runs", "1", "--isolation", "loop",
                 "--timeout", "0.05", "--concurrency", "2", "--project", str(tmp_path), *SHORT])  # fmt: skip
    out = capsys.readouterr()
    assert code == 2
    assert "TimeoutError" in out.out
    assert "Traceback" not in out.err


@pytest.mark.slow
def test_compare_base_head_in_worktrees(git_repo: Path) -> None:
    work = git_repo / "ops_rev.py"
    work.write_text("import asyncio\nasync def op():\n    await asyncio.sleep(0.02)\n")
    git(git_repo, "add", "ops_rev.py")
    git(git_repo, "commit", "-q", "-m", "slow")
    work.write_text("import asyncio\nasync def op():\n    await asyncio.sleep(0.002)\n")
    git(git_repo, "commit", "-q", "-am", "fast")
    proc = _cli("compare", "ops_rev.py:op", "--base", "HEAD~1", "--head", "HEAD",
                "--format", "json", "--concurrency", "2", *SHORT, cwd=git_repo)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["a"]["label"] == "HEAD~1"
    assert doc["b"]["label"] == "HEAD"
    assert doc["criteria"]["throughput"]["change_pct"] > 100
    assert git(git_repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("command", ["compare", "sweep", "bench", "record"])
def test_help_prints_no_doubled_percent_sign(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "%%" not in text
    if command == "compare":
        assert "--budget" in text
        assert "10 %" in text
