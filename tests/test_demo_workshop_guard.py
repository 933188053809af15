"""The workshop checker reads the demo's tests through the guard (junit XML, not text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.demo import check_exercise, create_project, exercise


@pytest.fixture(scope="module")
def seat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_project(tmp_path_factory.mktemp("room") / "seat").project


@pytest.mark.slow
def test_a_fix_that_breaks_its_own_test_never_passes(seat: Path) -> None:
    item = exercise("await-in-loop")
    broken = item.fix_path.read_text().replace(
        "return list(await asyncio.gather(*(one(sku) for sku in skus)))",
        "return list(reversed(await asyncio.gather(*(one(sku) for sku in skus))))",
    )
    (seat / item.file).write_text(broken)
    for measure in (False, True):
        result = check_exercise("await-in-loop", seat, measure=measure)
        assert result.finding_gone
        assert result.tests_ok is False
        assert not result.passed
        assert result.hint is not None
        assert "test_process_prices_every_line" in result.hint
    (seat / item.file).write_text(item.original_path.read_text())


@pytest.mark.slow
def test_a_syntax_error_names_file_and_line(seat: Path) -> None:
    item = exercise("blocking-call")
    text = item.original_path.read_text()
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("return"))
    lines[at] = lines[at].replace("return", "return (", 1)
    (seat / item.file).write_text("".join(lines))
    result = check_exercise("blocking-call", seat, measure=True)
    assert not result.passed
    assert result.tests_ok is False
    assert f"syntax error: {item.file}:" in result.details[1]
    assert result.details[1].startswith("tests not run: syntax error: ")
    assert result.hint is not None
    assert "syntax error" in result.hint
    (seat / item.file).write_text(text)
