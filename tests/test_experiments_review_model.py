"""Review records: validation, ordering, checklist state and every rendering."""

from __future__ import annotations

import pytest

from codeflash_lab.experiments.review import CHECKLIST, ReviewFinding, ReviewResult


def _result(
    *findings: ReviewFinding, checks: tuple[str, ...] = tuple(CHECKLIST), outcomes: tuple = ()
) -> ReviewResult:
    return ReviewResult("main", "HEAD", "a" * 40, "b" * 40, ("app.py",), findings, checks, outcomes)


WARN = ReviewFinding("resources", "warning", "app.py", 12, "session <leak>", "50 sessions")
ERR = ReviewFinding("claims", "error", ".codeflash/results.tsv", 3, "no run backs it")
INFO = ReviewFinding("behaviour", "info", "other.py", 4, "order changes")


def test_finding_rejects_unknown_severity_and_negative_line() -> None:
    with pytest.raises(ValueError, match="severity"):
        ReviewFinding("scan", "fatal", "a.py", 1, "m")
    with pytest.raises(ValueError, match="line"):
        ReviewFinding("scan", "info", "a.py", -1, "m")


def test_finding_round_trips_through_dict() -> None:
    assert ReviewFinding.from_dict(WARN.to_dict()) == WARN
    assert str(WARN) == "app.py:12: warning: [resources] session <leak>"


def test_findings_sorted_most_serious_first_and_counted() -> None:
    result = _result(INFO, WARN, ERR)
    assert result.findings == (ERR, WARN, INFO)
    assert result.counts() == {"error": 1, "warning": 1, "info": 1}
    assert result.has_errors
    assert result.exit_code == 1
    assert list(result.by_check()) == ["resources", "claims", "behaviour"]
    assert _result(WARN).exit_code == 0


def test_checklist_states_and_path_filter() -> None:
    result = _result(WARN, ERR, INFO, checks=("resources", "claims", "behaviour", "scan"))
    state = result.checklist()
    assert state["resources"] == "warn"
    assert state["claims"] == "fail"
    assert state["behaviour"] == "confirm"
    assert state["scan"] == "pass"
    assert state["tests"] == "not run"
    only_other = result.checklist(paths={"other.py"})
    assert only_other["resources"] == "pass"
    assert only_other["claims"] == "fail"  # results.tsv claims concern every PR


def test_renderings() -> None:
    result = _result(WARN, ERR)
    text = result.to_text()
    assert text.splitlines()[0] == "review aaaaaaaaaa..bbbbbbbbbb: 1 file(s) changed"
    assert "    why: 50 sessions" in text
    assert text.endswith("1 error(s), 1 warning(s), 0 to confirm")
    frame = result.to_frame()
    assert list(frame.columns) == ["check", "severity", "path", "line", "message", "why"]
    assert frame["severity"].tolist() == ["error", "warning"]
    page = result._repr_html_()
    assert "session &lt;leak&gt;" in page
    assert "<leak>" not in page
    doc = result.to_dict()
    assert doc["counts"]["error"] == 1
    assert doc["findings"][0]["check"] == "claims"
    assert "- **warning** `app.py:12` [resources] session <leak>" in result.to_markdown()
    assert "No open findings." in _result().to_markdown()
    assert "No open findings." in _result()._repr_html_()


def test_review_package_exports_are_sorted_and_import_is_cheap() -> None:
    import subprocess
    import sys

    import codeflash_lab.experiments.review as pkg

    def order(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert list(pkg.__all__) == sorted(pkg.__all__, key=order)
    assert all(hasattr(pkg, name) for name in pkg.__all__)
    code = (
        "import sys, codeflash_lab.experiments.review, codeflash_lab.cli.review_cmds\n"
        "print(','.join(m for m in ('matplotlib', 'pandas', 'coverage') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_only_a_guard_run_with_counts_ticks_the_tests_box() -> None:
    from codeflash_lab.experiments.review import CheckOutcome
    from codeflash_lab.workspace.experiment_record import GuardRun

    guard = GuardRun("python -m pytest -q", ran=True, passed=12, failed=0, duration_s=3.4)
    ran = _result(checks=("tests",), outcomes=(CheckOutcome("tests", "ran", guard=guard),))
    item = {i.name: i for i in ran.checklist_items()}["tests"]
    assert item.ticked
    assert item.markdown().endswith(
        "(tests: pass; tests: 12 passed, 0 failed, 0 skipped in 3.4 s (python -m pytest -q))"
    )
    failed = GuardRun("python -m pytest -q", ran=True, passed=11, failed=1, duration_s=3.0)
    red = _result(checks=("tests",), outcomes=(CheckOutcome("tests", "ran", guard=failed),))
    assert red.checklist()["tests"] == "fail"
    unbacked = _result(checks=("tests",), outcomes=(CheckOutcome("tests", "ran"),))
    assert unbacked.checklist()["tests"] == "confirm"
    assert not {i.name: i for i in unbacked.checklist_items()}["tests"].ticked


def test_na_and_skipped_checks_are_never_ticked_and_say_why() -> None:
    from codeflash_lab.experiments.review import CheckOutcome

    result = _result(
        checks=("tests", "scan", "behaviour"),
        outcomes=(
            CheckOutcome("tests", "n/a", "no line inside an async def body changed"),
            CheckOutcome("scan", "skipped", "the scanner is not available"),
            CheckOutcome("behaviour", "ran"),
        ),
    )
    items = {i.name: i for i in result.checklist_items()}
    assert items["tests"].markdown() == (
        "- [ ] Changed async code is run on an event loop by the tests "
        "(tests: N/A; no line inside an async def body changed)"
    )
    assert items["scan"].state == "not run"
    assert "the scanner is not available" in items["scan"].note
    assert items["behaviour"].state == "confirm"  # a person answers, even with no finding
    assert not any(i.ticked for i in items.values())
    assert "N/A: tests (no line inside an async def body changed)" in result.to_text()
    doc = result.to_dict()
    assert doc["outcomes"][1] == {
        "check": "scan",
        "state": "skipped",
        "reason": "the scanner is not available",
        "guard": None,
    }
    assert CheckOutcome.from_dict(doc["outcomes"][0]) == result.outcomes[0]
