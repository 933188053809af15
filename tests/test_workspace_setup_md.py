"""setup.md: the `- key: value` contract, round trip, and keys a person added."""

from __future__ import annotations

import json
from pathlib import Path

from codeflash_lab.workspace.conventions import load_conventions
from codeflash_lab.workspace.discovery import discover
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.setup_md import (
    GENERATED_JSON,
    SETUP_KEYS,
    parse_setup_md,
    read_setup_md,
    write_setup_md,
)


def test_round_trip_and_contract_keys(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from fastapi import FastAPI\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nrequires-python = ">=3.12"\ndependencies = ["fastapi", "httpx"]\n'
    )
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    ws.conventions_md.write_text("guard: make check\n")
    write_setup_md(ws, discover(tmp_path), load_conventions(ws))
    facts = read_setup_md(ws)
    assert list(facts) == list(SETUP_KEYS)
    assert facts["python"] == "3.12"
    assert facts["framework"] == "FastAPI"
    assert facts["async_deps"] == "fastapi, httpx"
    assert facts["guard_command"] == "make check"
    assert facts["pre_commit"] == "no"
    assert facts["test_command"] == "none"
    assert "- runner: python\n" in ws.setup_md.read_text()


def test_rewrite_keeps_keys_a_person_added(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    ws.setup_md.write_text("- python: 3.8\n- database: postgres 16\n")
    written = write_setup_md(ws, discover(tmp_path), load_conventions(ws))
    facts = read_setup_md(ws)
    assert facts["database"] == "postgres 16"
    # No record of what init wrote before: a differing value may be a person's, so it stays.
    assert facts["python"] == "3.8"
    assert set(written.kept) == {"python"}


def test_a_generated_value_is_updated_and_an_edited_one_kept(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text("")
    ws = Workspace(tmp_path)
    ws.root.mkdir()
    first = write_setup_md(ws, discover(tmp_path), load_conventions(ws))
    assert first.kept == {}
    generated = json.loads((ws.root / GENERATED_JSON).read_text())
    assert generated["test_command"] == first.values["test_command"]
    text = ws.setup_md.read_text().replace(
        f"- test_command: {generated['test_command']}", "- test_command: make test-fast"
    )
    ws.setup_md.write_text(text.replace("- framework: none", "- framework: none"))
    (tmp_path / "app.py").write_text("import asyncio\n")  # discovery now finds asyncio
    second = write_setup_md(ws, discover(tmp_path), load_conventions(ws))
    facts = read_setup_md(ws)
    assert facts["test_command"] == "make test-fast"
    assert facts["framework"] == "plain asyncio"
    assert second.kept == {"test_command": generated["test_command"]}
    assert "edited by hand" in second.kept_lines()[0]


def test_parse_ignores_prose() -> None:
    text = "# Setup\n\nSome words: not a fact.\n- python: `3.11`\n* runner: uv run python\n"
    assert parse_setup_md(text) == {"python": "3.11", "runner": "uv run python"}
