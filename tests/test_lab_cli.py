"""``codeflash()``: CLI commands in a subprocess from a notebook, with readable failures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codeflash_lab.errors import CommandError
from codeflash_lab.lab import codeflash


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="args"):
        codeflash()
    with pytest.raises(ValueError, match="timeout_s"):
        codeflash("status", timeout_s=0)


@pytest.mark.slow
def test_findings_exit_1_without_raising_and_json_is_parsed(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    run = codeflash("scan", tmp_path / "m.py", "--format", "json")
    assert run.returncode == 1
    assert run.json[0]["category"] == "blocking-call"
    assert "$ codeflash-lab scan" in str(run)
    assert run.to_dict()["returncode"] == 1


@pytest.mark.slow
def test_an_error_raises_with_the_command_and_its_last_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as info:
        codeflash("status", project=tmp_path)
    assert info.value.returncode == 2
    assert "codeflash-lab status" in str(info.value)
    assert ".codeflash" in str(info.value)
    run = codeflash("status", project=tmp_path, check=False)
    assert run.returncode == 2
    with pytest.raises(CommandError, match="not JSON"):
        _ = run.json


@pytest.mark.slow
def test_project_goes_before_a_command_to_run(git_repo: Path) -> None:
    codeflash("init", git_repo)
    run = codeflash(
        "debug",
        "--quiet",
        "--no-save",
        "--",
        sys.executable,
        "-c",
        "import os; print(os.getcwd())",
        project=git_repo,
        cwd=git_repo,
    )
    assert run.args.index("--project") < run.args.index("--")
    assert run.returncode == 0
