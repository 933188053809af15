"""``codeflash-lab report``: writes the file, prints its path, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.cli import main


@pytest.mark.slow
def test_report_writes_the_file_and_prints_its_path(populated_project, tmp_path, capsys) -> None:
    out = tmp_path / "share" / "report.html"
    assert main(["report", "--project", str(populated_project), "-o", str(out)]) == 0
    printed = capsys.readouterr().out.strip()
    assert Path(printed) == out.resolve()
    assert "<title>Async performance report: service</title>" in out.read_text(encoding="utf-8")


def test_default_output_is_inside_codeflash(tmp_path, write_results_tsv, capsys) -> None:
    project = tmp_path / "p"
    write_results_tsv(project / ".codeflash" / "results.tsv", [])
    assert main(["report", "--project", str(project), "--title", "Team review"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == (project / ".codeflash" / "report.html").resolve()
    assert "<title>Team review</title>" in path.read_text(encoding="utf-8")


def test_warnings_go_to_stderr(tmp_path, write_results_tsv, capsys) -> None:
    project = tmp_path / "p"
    write_results_tsv(project / ".codeflash" / "results.tsv", [{"baseline_latency_ms": "fast"}])
    assert main(["report", "--project", str(project)]) == 0
    captured = capsys.readouterr()
    assert "'fast' is not a number" in captured.err
    assert captured.out.strip().endswith("report.html")


def test_missing_workspace_is_a_one_line_error(tmp_path, capsys) -> None:
    assert main(["report", "--project", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("codeflash-lab: error:")
    assert len(err.splitlines()) == 1
