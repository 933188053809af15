"""init: creates the workspace, and re-running it loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.workspace.handoff import SECTIONS, read_section, section_titles, update_section
from codeflash_lab.workspace.initialize import init_workspace
from codeflash_lab.workspace.results import COLUMNS


def test_init_creates_every_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import asyncio\n")
    result = init_workspace(tmp_path)
    ws = result.workspace
    assert ws.results_tsv.read_text() == "\t".join(COLUMNS) + "\n"
    assert section_titles(ws.handoff_md.read_text()) == list(SECTIONS)
    assert "- Framework: plain asyncio" in (read_section(ws, "Framework") or "")
    assert ws.learnings_md.exists()
    assert ws.runs_dir.is_dir()
    assert set(result.created) == {
        ".codeflash/",
        ".codeflash/setup.md",
        ".codeflash/results.tsv",
        ".codeflash/HANDOFF.md",
        ".codeflash/learnings.md",
    }
    assert result.to_text().startswith("[discovery] Python ")
    assert result.to_dict()["discovery"]["framework"] == "plain asyncio"


def test_rerunning_init_keeps_log_handoff_and_learnings(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path).workspace
    row = "abc\tt\t100\t50\t-50%\t\t\t\t10\t3\t0\tKEEP\tsequential-awaits\tgather\n"
    with ws.results_tsv.open("a") as fh:
        fh.write(row)
    update_section(ws, "Next steps", "- my own plan")
    ws.learnings_md.write_text("# mine\n")
    log_before = ws.results_tsv.read_bytes()
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\n")
    again = init_workspace(tmp_path)
    assert ws.results_tsv.read_bytes() == log_before
    assert read_section(ws, "Next steps") == "- my own plan"
    assert "FastAPI" in (read_section(ws, "Framework") or "")
    assert ws.learnings_md.read_text() == "# mine\n"
    assert again.experiments == 1
    assert set(again.kept) == {".codeflash/results.tsv", ".codeflash/learnings.md"}
    assert set(again.updated) == {".codeflash/setup.md", ".codeflash/HANDOFF.md"}
    assert again.created == ()


def test_a_mangled_log_is_reported_and_left_alone(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path).workspace
    ws.results_tsv.write_text("commit\ttarget\n")
    result = init_workspace(tmp_path)
    assert ws.results_tsv.read_text() == "commit\ttarget\n"
    assert "header column 2" in result.warnings[0]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no such project folder"):
        init_workspace(tmp_path / "nope")


def test_result_renders(tmp_path: Path) -> None:
    result = init_workspace(tmp_path)
    frame = result.to_frame()
    assert frame.loc["framework", "value"] == "none"
    assert "<li>[discovery] Python" in result._repr_html_()
    assert "<table>" in result.discovery._repr_html_()
