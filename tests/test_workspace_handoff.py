"""HANDOFF.md: the template, and section updates that leave every other byte alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.workspace.handoff import (
    SECTIONS,
    append_to_section,
    ensure_handoff,
    read_section,
    section_titles,
    update_section,
)
from codeflash_lab.workspace.layout import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "proj")
    w.root.mkdir(parents=True)
    return w


def test_template_has_every_section_in_order(ws: Workspace) -> None:
    path, created = ensure_handoff(ws)
    assert created
    text = path.read_text()
    assert text.startswith("# HANDOFF: proj\n")
    assert section_titles(text) == list(SECTIONS)
    assert "Pre-submit review findings" in SECTIONS


def test_ensure_never_rewrites_an_existing_file(ws: Workspace) -> None:
    ws.handoff_md.write_text("# mine\n\nnotes\n")
    path, created = ensure_handoff(ws)
    assert not created
    assert path.read_text() == "# mine\n\nnotes\n"


def test_update_replaces_one_section_and_keeps_the_rest_byte_for_byte(ws: Workspace) -> None:
    ensure_handoff(ws)
    update_section(ws, "Next steps", "- my own note\n- another")
    before = ws.handoff_md.read_text()
    update_section(ws, "Keeps", "1. gather calls (-63%)")
    after = ws.handoff_md.read_text()
    assert read_section(ws, "Keeps") == "1. gather calls (-63%)"
    assert read_section(ws, "next steps") == "- my own note\n- another"
    # only the Keeps body changed
    old_keeps = "## Keeps\n\n_None yet._\n"
    assert before.replace(old_keeps, "## Keeps\n\n1. gather calls (-63%)\n") == after
    update_section(ws, "Keeps", "1. gather calls (-63%)")
    assert ws.handoff_md.read_text() == after


def test_missing_section_is_added_at_its_template_place(ws: Workspace) -> None:
    ws.handoff_md.write_text("# H\n\n## Environment\n\npython 3.12\n\n## Next steps\n\ngo\n")
    update_section(ws, "Pre-submit review findings", "- none open")
    assert section_titles(ws.handoff_md.read_text()) == [
        "Environment",
        "Pre-submit review findings",
        "Next steps",
    ]
    update_section(ws, "Custom notes", "kept at the end")
    text = ws.handoff_md.read_text()
    assert section_titles(text)[-1] == "Custom notes"
    assert "\n\n## Custom notes\n\nkept at the end\n" in text
    assert read_section(ws, "Environment") == "python 3.12"


def test_headings_inside_code_fences_are_not_sections(ws: Workspace) -> None:
    ensure_handoff(ws)
    update_section(ws, "Baseline", "```\n## not a heading\n```")
    update_section(ws, "Ranked targets", "1. a")
    assert read_section(ws, "Baseline") == "```\n## not a heading\n```"
    assert "## not a heading" not in section_titles(ws.handoff_md.read_text())


def test_append_drops_the_placeholder(ws: Workspace) -> None:
    ensure_handoff(ws)
    append_to_section(ws, "Locked methodology", "- new baseline: concurrency 10 -> 50")
    append_to_section(ws, "Locked methodology", "- second note")
    assert read_section(ws, "Locked methodology") == (
        "- new baseline: concurrency 10 -> 50\n- second note"
    )


def test_without_workspace_or_title(tmp_path: Path, ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"no \.codeflash/ folder"):
        update_section(tmp_path, "Keeps", "x")
    with pytest.raises(ValueError, match="title"):
        update_section(ws, "", "x")
    assert read_section(tmp_path, "Keeps") is None


def test_creates_the_file_when_missing(ws: Workspace) -> None:
    update_section(ws.project, "Pre-submit review findings", "- CFL101 in app.py:3")
    assert section_titles(ws.handoff_md.read_text()) == list(SECTIONS)
    assert read_section(ws, "Pre-submit review findings") == "- CFL101 in app.py:3"
