"""Rule behaviour, specified by the annotated sample files in ``tests/scan_cases/``.

Every line that must be flagged carries ``# expect: CODE[, CODE...]``; every other line
must stay clean (all rules run on every file, so the samples also guard against
cross-rule false alarms).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codeflash_lab.scan import scan_paths

CASES = Path(__file__).resolve().parent / "scan_cases"
SAMPLES = sorted(CASES.glob("*.py"))
_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>CFL\d{3}(?:\s*,\s*CFL\d{3})*)")


def expected(path: Path) -> set[tuple[int, str]]:
    """``(line, code)`` pairs announced by ``# expect:`` comments."""
    out: set[tuple[int, str]] = set()
    for lineno, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = _EXPECT.search(text)
        if m:
            out.update((lineno, c.strip()) for c in m.group("codes").split(","))
    return out


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_file_matches_its_annotations(sample: Path) -> None:
    result = scan_paths([sample], cache=False, workers=1, target_version="3.12")
    assert result.errors == ()
    found = {(f.line, f.code) for f in result.findings}
    want = expected(sample)
    missed = sorted(want - found)
    extra = sorted(found - want)
    lines = sample.read_text(encoding="utf-8").splitlines()
    report = [f"missed {c} at {sample.name}:{n}: {lines[n - 1].strip()}" for n, c in missed]
    report += [f"unexpected {c} at {sample.name}:{n}: {lines[n - 1].strip()}" for n, c in extra]
    assert not report, "\n".join(report)
