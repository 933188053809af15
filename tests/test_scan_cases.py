"""Rule behaviour, specified by the annotated sample files in ``tests/scan_cases/``.

Every line that must be flagged carries ``# expect: CODE[, CODE...]``; every other line
must stay clean (all rules run on every file, so the samples also guard against
cross-rule false alarms). Findings of every confidence count; ``CODE/low`` (or
``/medium``, ``/high``) also pins the finding's confidence.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codeflash_lab.scan import scan_paths

CASES = Path(__file__).resolve().parent / "scan_cases"
SAMPLES = sorted(CASES.glob("*.py"))
_CODE = r"CFL\d{3}(?:/(?:high|medium|low))?"
_EXPECT = re.compile(rf"#\s*expect:\s*(?P<codes>{_CODE}(?:\s*,\s*{_CODE})*)")


def annotations(path: Path) -> dict[tuple[int, str], str | None]:
    """``(line, code) -> confidence or None`` announced by ``# expect:`` comments."""
    out: dict[tuple[int, str], str | None] = {}
    for lineno, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = _EXPECT.search(text)
        if m:
            for item in m.group("codes").split(","):
                code, _, level = item.strip().partition("/")
                out[(lineno, code)] = level or None
    return out


def expected(path: Path) -> set[tuple[int, str]]:
    """``(line, code)`` pairs announced by ``# expect:`` comments."""
    return set(annotations(path))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_file_matches_its_annotations(sample: Path) -> None:
    result = scan_paths(
        [sample], cache=False, workers=1, target_version="3.12", min_confidence="low"
    )
    assert result.errors == ()
    found = {(f.line, f.code) for f in result.findings}
    want = expected(sample)
    missed = sorted(want - found)
    extra = sorted(found - want)
    lines = sample.read_text(encoding="utf-8").splitlines()
    report = [f"missed {c} at {sample.name}:{n}: {lines[n - 1].strip()}" for n, c in missed]
    report += [f"unexpected {c} at {sample.name}:{n}: {lines[n - 1].strip()}" for n, c in extra]
    levels = annotations(sample)
    report += [
        f"{f.code} at {sample.name}:{f.line} is {f.confidence}, expected {levels[(f.line, f.code)]}"
        for f in result.findings
        if levels.get((f.line, f.code)) not in (None, f.confidence)
    ]
    assert not report, "\n".join(report)
