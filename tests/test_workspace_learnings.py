"""learnings.md: created once, appended with dated lines, never rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.learnings import append_learning, ensure_learnings, read_learnings


def test_append_and_read(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    assert read_learnings(ws) == ""
    path, created = ensure_learnings(ws)
    assert created
    append_learning(ws, "gathering the three DB calls\nhalved p50", kind="worked")
    append_learning(ws, "a bigger pool did nothing", kind="failed")
    lines = read_learnings(ws).splitlines()
    assert lines[0] == "# Learnings"
    assert lines[-2].endswith("[worked] gathering the three DB calls halved p50")
    assert lines[-1].endswith("[failed] a bigger pool did nothing")
    assert ensure_learnings(ws) == (path, False)


def test_hand_written_file_without_final_newline_is_appended_cleanly(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    ws.learnings_md.write_text("my notes")
    append_learning(ws, "uvloop gave 8%", kind="avoid")
    lines = ws.learnings_md.read_text().splitlines()
    assert lines[0] == "my notes"
    assert "[avoid] uvloop gave 8%" in lines[1]


def test_bad_input(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    with pytest.raises(WorkspaceError):
        append_learning(ws, "x")
    ws.root.mkdir()
    with pytest.raises(ValueError, match="kind"):
        append_learning(ws, "x", kind="maybe")
    with pytest.raises(ValueError, match="text"):
        append_learning(ws, "  ")
