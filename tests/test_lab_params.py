"""Presets behind the notebooks' ``quick`` parameter."""

from __future__ import annotations

import dataclasses

import pytest

from codeflash_lab.lab import FULL, QUICK, Preset, preset


def test_quick_parameter_picks_the_preset() -> None:
    assert preset(True) is QUICK
    assert preset(False) is FULL
    assert preset("Full") is FULL
    with pytest.raises(ValueError, match="quick"):
        preset("fast")


def test_quick_is_smaller_than_full_everywhere() -> None:
    assert QUICK.runs < FULL.runs
    assert QUICK.duration_s < FULL.duration_s
    assert QUICK.concurrency <= FULL.concurrency
    assert QUICK.concurrency in QUICK.sweep
    assert FULL.concurrency in FULL.sweep


def test_presets_render() -> None:
    assert QUICK.to_dict()["sweep"] == list(QUICK.sweep)
    assert str(QUICK).startswith("quick: 0.5s runs")
    assert str(QUICK).endswith("compares use the quick preset")
    assert (QUICK.compare_preset, FULL.compare_preset) == ("quick", "full")
    assert "<table>" in QUICK._repr_html_()


@pytest.mark.parametrize(
    ("field", "value"),
    [("runs", 0), ("duration_s", 0.0), ("warmup_s", -1.0), ("concurrency", 0), ("sweep", ())],
)
def test_bad_presets_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(QUICK, **{field: value})
    assert isinstance(QUICK, Preset)
