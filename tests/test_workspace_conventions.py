"""conventions.md: project file over org-level file, guard command parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.workspace.conventions import load_conventions, parse_guard_command
from codeflash_lab.workspace.layout import Workspace


@pytest.mark.parametrize(
    ("text", "guard"),
    [
        ("guard: make check\n", "make check"),
        ("Prefer TaskGroup.\n- guard_command: `pytest -x tests/smoke`\n", "pytest -x tests/smoke"),
        ("* **Guard command**: tox -e py312\n", "tox -e py312"),
        ("no guard here\n", None),
        ("guard:   \n", None),
    ],
)
def test_guard_command(text: str, guard: str | None) -> None:
    assert parse_guard_command(text) == guard


def test_project_file_overrides_org_file(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "proj")
    ws.root.mkdir(parents=True)
    assert load_conventions(ws).scope == "none"
    (tmp_path / "conventions.md").write_text("guard: make org-check\n")
    org = load_conventions(ws)
    assert (org.scope, org.guard_command) == ("org", "make org-check")
    ws.conventions_md.write_text("No guard for this one.\n")
    own = load_conventions(ws)
    assert own.scope == "project"
    assert own.guard_command is None
    assert own.to_dict()["source"] == str(ws.conventions_md)
