"""Scanner findings against real debug-mode evidence, and the before/after KEEP check."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from codeflash_lab.profiling.capture import debug_callable
from codeflash_lab.profiling.crosscheck import blocking_call_removed, crosscheck
from codeflash_lab.profiling.lag import LagMonitor
from codeflash_lab.profiling.records import DebugRecord, DebugReport
from codeflash_lab.scan import scan_paths

BEFORE = textwrap.dedent(
    """
    import asyncio
    import time


    def checksum(data):
        total = 0
        end = time.perf_counter() + 0.08
        while time.perf_counter() < end:  # MARK-hidden-cpu
            total = (total * 31 + len(data)) % 1_000_003
        return total


    async def handler():
        await asyncio.sleep(0.005)
        time.sleep(0.1)  # MARK-blocking
        await asyncio.sleep(0.005)
        checksum(b"abc")
    """
)

AFTER = BEFORE.replace(
    "time.sleep(0.1)  # MARK-blocking", "await asyncio.sleep(0.05)  # MARK-blocking"
)
assert AFTER != BEFORE


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _line(source: str, marker: str) -> int:
    return next(n for n, text in enumerate(source.splitlines(), 1) if marker in text)


@pytest.fixture
def before(tmp_path: Path) -> tuple[Path, DebugReport]:
    path = tmp_path / "svc_before.py"
    path.write_text(BEFORE, encoding="utf-8")
    return path, debug_callable(_load(path).handler)


def test_a_blocking_finding_is_confirmed_and_a_hidden_stall_is_a_lead(
    before: tuple[Path, DebugReport],
) -> None:
    path, report = before
    findings = scan_paths([str(path)]).findings
    blocking = [f for f in findings if f.category == "blocking-call"]
    assert [f.line for f in blocking] == [_line(BEFORE, "MARK-blocking")]
    check = crosscheck(findings, report)
    assert [c.finding["line"] for c in check.confirmed] == [_line(BEFORE, "MARK-blocking")]
    worst = check.confirmed[0].worst_ms
    assert worst is not None
    assert worst >= 45.0
    (lead,) = check.leads
    assert lead.path == str(path)
    assert any(name == "checksum" for _p, _l, name in lead.stack)
    doc = json.loads(json.dumps(check.to_dict()))
    assert doc["confirmed"][0]["finding"]["category"] == "blocking-call"
    assert set(check.to_frame()["status"]) >= {"confirmed", "lead"}
    assert "1 finding(s) confirmed" in str(check)


def test_findings_as_saved_dicts_and_lag_results_work_too(tmp_path: Path) -> None:
    path = tmp_path / "svc_lag.py"
    path.write_text(BEFORE, encoding="utf-8")
    module = _load(path)

    async def main() -> LagMonitor:
        async with LagMonitor() as mon:
            await module.handler()
        return mon

    result = asyncio.run(main()).result()
    finding = {
        "path": str(path),
        "line": _line(BEFORE, "MARK-blocking"),
        "category": "blocking-call",
    }
    check = crosscheck([finding], result)
    assert len(check.confirmed) == 1
    assert check.unconfirmed == ()


def test_a_finding_of_another_category_is_not_confirmed_by_a_stack_frame(
    before: tuple[Path, DebugReport],
) -> None:
    path, report = before
    finding = {
        "path": str(path),
        "line": _line(BEFORE, "MARK-blocking"),
        "category": "sequential-awaits",
    }
    check = crosscheck([finding], report)
    assert check.confirmed == ()
    assert len(check.unconfirmed) == 1


def test_the_fix_removes_the_blocking_call_and_debug_mode_confirms(
    before: tuple[Path, DebugReport], tmp_path: Path
) -> None:
    path, report_before = before
    fixed = tmp_path / "svc_after.py"
    fixed.write_text(AFTER, encoding="utf-8")
    report_after = debug_callable(_load(fixed).handler)
    line = _line(BEFORE, "MARK-blocking")
    evidence = blocking_call_removed(
        report_before, report_after, path=str(path), line=line, after_path=str(fixed)
    )
    assert evidence.before == 1
    assert evidence.function == "handler"
    # the hidden checksum stall in the same file is unrelated: it vetoes nothing
    assert evidence.removed, evidence.evidence
    assert evidence.after == 0
    assert evidence.total_after_ms < evidence.total_before_ms
    assert "debug mode confirms the blocking call is gone" in evidence.evidence
    # without a finding, the whole-run counts and times decide
    overall = blocking_call_removed(report_before, report_after)
    assert overall.removed
    assert overall.before == 2
    assert overall.after == 1
    assert "2 before, 1 after" in overall.evidence
    same = blocking_call_removed(report_before, report_before, path=str(path), line=line)
    assert not same
    assert "1 before, 1 after" in same.evidence


MOVED = BEFORE.replace("time.sleep(0.1)  # MARK-blocking", "pause()  # MARK-blocking").replace(
    "async def handler():",
    "def pause():\n    time.sleep(0.1)\n\n\nasync def handler():",
)


def test_moving_the_blocking_call_into_a_helper_is_not_a_removal(
    before: tuple[Path, DebugReport], tmp_path: Path
) -> None:
    path, report_before = before
    moved = tmp_path / "svc_moved.py"
    moved.write_text(MOVED, encoding="utf-8")
    report_after = debug_callable(_load(moved).handler)
    line = _line(BEFORE, "MARK-blocking")
    evidence = blocking_call_removed(
        report_before, report_after, path=str(path), line=line, after_path=str(moved)
    )
    assert not evidence.removed
    assert evidence.after >= 1
    assert "still blocks the loop" in evidence.evidence


def test_reports_that_cannot_be_compared_are_never_a_removal() -> None:
    rec = DebugRecord(kind="slow-callback", name="t", duration_ms=50.0, path="/x.py", line=3)
    a = DebugReport(records=(rec,), threshold_ms=20.0)
    assert not blocking_call_removed(a, DebugReport(records=(), threshold_ms=50.0))
    failed = DebugReport(records=(), threshold_ms=20.0, command=("x",), exit_code=1)
    evidence = blocking_call_removed(a, failed)
    assert not evidence
    assert "not comparable" in evidence.evidence
    assert blocking_call_removed(a, DebugReport(records=()), path="/x.py", line=3).removed


def test_short_slow_callbacks_of_a_busy_machine_do_not_veto_a_removal() -> None:
    stack = (("/svc.py", 10, "handler"), ("/svc.py", 16, "handler"))
    blocked = DebugRecord(kind="slow-callback", name="handler", duration_ms=120.0,
                          path="/svc.py", line=16, stack=stack)  # fmt: skip
    busy = DebugRecord(kind="slow-callback", name="handler", duration_ms=12.0,
                       path="/svc.py", line=17, stack=(("/svc.py", 17, "handler"),))  # fmt: skip
    before = DebugReport(records=(blocked,), threshold_ms=5.0)
    after = DebugReport(records=(busy,), threshold_ms=5.0)
    evidence = blocking_call_removed(before, after, path="/svc.py", line=16)
    assert evidence.removed, evidence.evidence
    still = DebugReport(records=(blocked,), threshold_ms=5.0)
    assert not blocking_call_removed(before, still, path="/svc.py", line=16).removed
