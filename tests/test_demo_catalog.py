"""The catalogue of planted antipatterns and their fixes."""

from __future__ import annotations

import ast

import pytest

from codeflash_lab.categories import SLUGS
from codeflash_lab.demo.catalog import EXERCISES, Exercise, exercise, exercise_names


@pytest.mark.parametrize("item", EXERCISES, ids=lambda e: e.name)
def test_each_exercise_has_a_different_fix_that_parses(item: Exercise) -> None:
    assert item.pattern in SLUGS
    assert item.original_path.is_file()
    assert item.fix_path.is_file()
    original = item.original_path.read_text()
    fixed = item.fix_path.read_text()
    assert original != fixed
    ast.parse(fixed)
    assert item.function.split(".")[-1] in original
    assert item.expect in ("latency", "throughput", "robustness")
    assert item.hint
    assert "\n" not in item.summary


def test_the_catalogue_covers_the_required_antipatterns() -> None:
    patterns = {e.pattern for e in EXERCISES if not e.decoy}
    assert {
        "sequential-awaits",
        "await-in-loop",
        "blocking-call",
        "cpu-in-event-loop",
        "client-per-request",
        "cache-on-async",
        "unbounded-gather",
        "unbounded-queue",
    } <= patterns
    assert any(e.decoy for e in EXERCISES)
    assert len(set(exercise_names())) == len(EXERCISES)
    # One file per fix: fixes apply in any order.
    assert len({e.file for e in EXERCISES}) == len(EXERCISES)


def test_unknown_exercise_lists_the_known_ones() -> None:
    assert exercise("blocking-call").file == "shopfront/fraud.py"
    with pytest.raises(ValueError, match="sequential-awaits"):
        exercise("nope")
