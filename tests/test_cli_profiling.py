"""``codeflash-lab debug``, ``profile`` and ``lag`` on real programs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codeflash_lab.cli import main
from codeflash_lab.workspace.runs import load_runs

SCRIPT = textwrap.dedent(
    """
    import asyncio
    import time


    async def helper():
        await asyncio.sleep(0)


    async def main():
        await asyncio.sleep(0.01)
        time.sleep(0.05)  # MARK-sleep
        helper()  # MARK-never
        await asyncio.sleep(0.01)


    asyncio.run(main())
    """
)

SERVICE = textwrap.dedent(
    """
    import asyncio


    async def fetch():
        await asyncio.sleep(0.02)


    async def op():
        await fetch()
    """
)


def _line(source: str, marker: str) -> int:
    return next(n for n, text in enumerate(source.splitlines(), 1) if marker in text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".codeflash").mkdir()
    (tmp_path / "planted.py").write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "svc.py").write_text(SERVICE, encoding="utf-8")
    return tmp_path


@pytest.mark.slow
def test_debug_json_lists_records_with_their_lines_and_saves_a_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["debug", "--format", "json", "--project", str(project), "--", sys.executable, "planted.py"]
    )
    assert code == 0
    records = json.loads(capsys.readouterr().out)
    by_kind = {r["kind"]: r for r in records}
    script = str(project / "planted.py")
    slow = by_kind["slow-callback"]
    assert {"kind", "duration_ms", "name", "path", "line"} <= set(slow)
    assert (slow["path"], slow["line"]) == (script, _line(SCRIPT, "MARK-sleep"))
    assert 45.0 <= slow["duration_ms"] <= 1000.0
    never = by_kind["never-awaited"]
    assert (never["name"], never["line"]) == ("helper", _line(SCRIPT, "MARK-never"))
    (saved,) = load_runs(project, kind="debug")
    assert saved["counts"]["slow-callback"] == 1


@pytest.mark.slow
def test_debug_text_from_a_real_process(project: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "codeflash_lab",
            "debug",
            "--quiet",
            "--no-save",
            "--",
            *[sys.executable, "planted.py"],
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 slow-callback, 1 never-awaited" in proc.stdout
    assert f"planted.py:{_line(SCRIPT, 'MARK-sleep')}" in proc.stdout
    assert not load_runs(project, kind="debug")


def test_debug_of_a_missing_command_shows_the_exit_code_and_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["debug", "--project", str(tmp_path), "--", "codeflash-lab-missing-cmd-xyz"])
    assert code == 1
    out = capsys.readouterr().out
    assert "exit code 127" in out
    assert "could not start" in out
    assert "codeflash-lab-missing-cmd-xyz" in out


def test_debug_of_a_failing_command_keeps_records_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = "import asyncio\nasync def f(): pass\nf()\nprint('bye')\nraise SystemExit(4)\n"
    code = main(
        [
            "debug",
            "--format",
            "json",
            "--quiet",
            "--project",
            str(tmp_path),
            "--",
            *[sys.executable, "-c", source],
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert [r["kind"] for r in records] == ["never-awaited"]
    assert "bye" in captured.err
    assert "exited with code 4" in captured.err


def test_debug_of_a_program_without_asyncio_notes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["debug", "--quiet", "--project", str(tmp_path), "--", sys.executable, "-c", "1"])
    assert code == 0
    assert "no event loop activity seen" in capsys.readouterr().out


def test_debug_without_a_command_or_setup_md_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["debug", "--project", str(tmp_path)]) == 2
    assert "cmd:" in capsys.readouterr().err


@pytest.mark.slow
def test_profile_json_shows_ttot_far_above_tsub_and_saves_a_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["profile", "svc.py:op", "--format", "json", "--duration", "0.2", "--project", str(project)]
    )
    assert code == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert "own pass" in doc["note"]
    assert "own pass" in captured.err
    fetch = next(r for r in doc["rows"] if r["name"] == "fetch")
    assert fetch["ttot_s"] > 10 * fetch["tsub_s"]
    assert fetch["where"] == f"{project / 'svc.py'}:{_line(SERVICE, 'async def fetch')}"
    assert load_runs(project, kind="profile")


def test_profile_text_has_the_reading_column(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["profile", "svc.py:op", "--duration", "0", "--top", "3", "--project", str(project)])
        == 0
    )
    out = capsys.readouterr().out
    assert "reading" in out
    assert "awaits something slow" in out


def test_profile_of_an_unknown_target_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", "nope.py:op", "--project", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("codeflash-lab: error:")
    assert len(err.strip().splitlines()) == 1


def test_lag_json_reports_percentiles_and_saves_a_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["lag", "svc.py:op", "--duration", "0.2", "--format", "json", "--project", str(project)]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["target"] == "svc.py:op"
    assert doc["sample_count"] == len(doc["samples"]) >= 5
    assert {"p50_ms", "p99_ms", "max_ms", "stall_list"} <= set(doc)
    assert load_runs(project, kind="lag")


def test_debug_without_a_command_runs_the_test_command_from_setup_md(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".codeflash" / "setup.md").write_text(
        f"# Setup\n\n- test_command: {sys.executable} planted.py\n", encoding="utf-8"
    )
    assert main(["debug", "--quiet", "--no-save", "--project", str(project)]) == 0
    assert "1 slow-callback, 1 never-awaited" in capsys.readouterr().out
