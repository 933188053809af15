"""The demo's planted antipatterns stay stable: one high-confidence finding per planted file."""

from __future__ import annotations

import pytest

from codeflash_lab.demo.catalog import SERVICE_DIR
from codeflash_lab.demo.workshop import WORKSHOP_EXERCISES
from codeflash_lab.scan import scan_paths


@pytest.fixture(scope="module")
def findings() -> dict[str, list[tuple[str, str]]]:
    result = scan_paths([SERVICE_DIR / "shopfront"], cache=False, min_confidence="low")
    out: dict[str, list[tuple[str, str]]] = {}
    for f in result.findings:
        rel = f.path.split("/service/", 1)[1]
        out.setdefault(rel, []).append((f.category, f.confidence))
    return out


@pytest.mark.parametrize("item", WORKSHOP_EXERCISES, ids=lambda e: e.name)
def test_each_planted_file_has_exactly_one_high_confidence_finding(
    item: object, findings: dict[str, list[tuple[str, str]]]
) -> None:
    assert findings.get(item.file) == [(item.pattern, "high")]  # type: ignore[attr-defined]


def test_the_default_view_shows_every_planted_finding(
    findings: dict[str, list[tuple[str, str]]],
) -> None:
    shown = scan_paths([SERVICE_DIR / "shopfront"], cache=False)
    assert shown.hidden_low == 0
    assert len(shown.findings) == len(WORKSHOP_EXERCISES)


@pytest.mark.parametrize("item", WORKSHOP_EXERCISES, ids=lambda e: e.name)
def test_each_planted_file_scanned_alone_keeps_its_high_confidence_finding(item: object) -> None:
    path = SERVICE_DIR / item.file  # type: ignore[attr-defined]
    result = scan_paths([path], cache=False, min_confidence="low")
    found = [(f.category, f.confidence) for f in result.findings]
    assert found == [(item.pattern, "high")]  # type: ignore[attr-defined]
