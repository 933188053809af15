"""The workshop checker on a real copy of the demo service."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.demo import (
    WORKSHOP_EXERCISES,
    CheckResult,
    Exercise,
    check_exercise,
    create_project,
    exercise,
    hint,
    open_findings,
    running_copy,
)
from codeflash_lab.demo.project import apply_fix


@pytest.fixture(scope="module")
def attendee(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_project(tmp_path_factory.mktemp("room") / "seat-1").project


def test_every_planted_antipattern_is_an_exercise_with_a_hint() -> None:
    names = [e.name for e in WORKSHOP_EXERCISES]
    assert "offload-render" not in names
    assert len(names) == 9
    for name in names:
        assert hint(name)


@pytest.mark.parametrize("item", WORKSHOP_EXERCISES, ids=lambda e: e.name)
def test_the_scanner_reports_each_planted_antipattern(item: Exercise, attendee: Path) -> None:
    assert open_findings(item, attendee), f"no {item.pattern} finding in {item.file}"


@pytest.mark.slow
def test_an_attendee_works_through_three_exercises(tmp_path: Path) -> None:
    project = create_project(tmp_path / "seat").project

    # Nothing changed yet: the scanner still sees the blocking call, and a hint is given.
    untouched = check_exercise("blocking-call", project, measure=False)
    assert isinstance(untouched, CheckResult)
    assert not untouched.passed
    assert not untouched.finding_gone
    assert untouched.hint == exercise("blocking-call").hint
    assert "scanner still reports" in untouched.to_text()
    assert "Not yet" in untouched._repr_html_()
    # The cache exercise's test fails too, but it belongs to another exercise: only noted.
    assert untouched.tests_ok is True
    assert "only tests of other exercises still open" in untouched.details[1]

    # The correctness fix needs no benchmark: its original fails instead of being slow.
    apply_fix(project, exercise("cache-on-async"))
    cache = check_exercise("cache-on-async", project)
    assert cache.passed, cache.to_text()
    assert cache.benchmark_ok is None
    assert cache.hint is None
    assert cache.to_dict()["exercise"] == "cache-on-async"

    # A "fix" that gathers but loses the order of the lines breaks a test: refused.
    broken = (
        exercise("await-in-loop")
        .fix_path.read_text()
        .replace(
            "return list(await asyncio.gather(*(one(sku) for sku in skus)))",
            "return list(reversed(await asyncio.gather(*(one(sku) for sku in skus))))",
        )
    )
    (project / "shopfront" / "pricing.py").write_text(broken)
    wrong = check_exercise("await-in-loop", project)
    assert wrong.finding_gone
    assert wrong.tests_ok is False
    assert not wrong.passed
    assert wrong.benchmark_ok is None
    assert wrong.hint is not None
    assert "test_process_prices_every_line" in wrong.hint

    # A real fix is measured against the same code with only its file put back.
    apply_fix(project, exercise("await-in-loop"))
    apply_fix(project, exercise("blocking-call"))
    fixed = check_exercise("blocking-call", project)
    assert fixed.finding_gone
    assert fixed.tests_ok is True
    assert fixed.benchmark_ok is not None
    assert fixed.verdict
    assert fixed.details[2].startswith("benchmark: GET /checkout")
    assert fixed.passed is fixed.benchmark_ok


def test_the_decoy_and_unknown_names_are_refused(attendee: Path) -> None:
    with pytest.raises(ValueError, match="decoy"):
        check_exercise("offload-render", attendee)
    with pytest.raises(ValueError, match="no exercise"):
        check_exercise("nope", attendee)


@pytest.mark.slow
def test_running_copy_serves_one_seat_and_stops(attendee: Path) -> None:
    import json
    import os
    import urllib.request

    import psutil

    before = {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)}
    with running_copy(attendee, latency_ms=1) as copy:
        assert copy.service.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(copy.service + "/health", timeout=10) as resp:
            assert json.loads(resp.read()) == {"ok": True}
    after = {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)}
    assert after <= before
