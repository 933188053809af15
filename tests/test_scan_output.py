"""Scan output: ruff-like text with a summary, a JSON array, SARIF 2.1.0, records and frames."""

from __future__ import annotations

import json

from codeflash_lab.scan import format_json, format_sarif, format_text, scan_source

SOURCE = (
    "import asyncio, time\n\n"
    "async def handler(a, b):\n"
    "    time.sleep(1)\n"
    "    x = await get_a(a)\n"
    "    y = await get_b(b)\n"
    "    asyncio.create_task(log(x))\n"
    "    return x, y\n"
)


def test_text_lines_are_ruff_like_and_the_summary_ranks_categories() -> None:
    text = format_text(scan_source(SOURCE, "svc/app.py"))
    lines = text.splitlines()
    assert lines[0].startswith(
        "svc/app.py:4:5: CFL101 [blocking-call] blocking call `time.sleep()`"
    )
    assert lines[1].startswith("svc/app.py:5:9: CFL301 [sequential-awaits]")
    assert lines[2].startswith("svc/app.py:7:5: CFL401 [dangling-task]")
    summary = lines[lines.index("Summary by category (highest impact first):") + 1 :]
    assert summary[0].split()[0] in ("blocking-call", "sequential-awaits")
    assert "worth fixing:" in summary[0]
    assert "typical impact:" in summary[0]
    assert summary[2].split()[0] == "dangling-task"
    assert "MEDIUM" in summary[2]
    assert summary[-1].startswith("Scanned 1 files: 3 findings")


def test_json_is_an_array_with_the_documented_keys() -> None:
    records = json.loads(format_json(scan_source(SOURCE)))
    assert isinstance(records, list)
    assert len(records) == 3
    for rec in records:
        assert {"path", "line", "col", "code", "category", "impact", "message", "fix"} <= set(rec)
    assert records[0]["impact"] == "HIGH"
    assert records[0]["fix"]


def test_sarif_is_2_1_0_with_rules_and_located_results() -> None:
    log = json.loads(format_sarif(scan_source(SOURCE, "svc/app.py")))
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"CFL101", "CFL301", "CFL401"}
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "CFL101"
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 5}
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "svc/app.py"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_fix_templates_follow_the_target_version() -> None:
    new = scan_source(SOURCE, target_version="3.12").findings
    old = scan_source(SOURCE, target_version="3.8").findings
    assert "TaskGroup" in new[1].fix
    assert "TaskGroup" not in old[1].fix
    assert "asyncio.gather" in old[1].fix
    assert "to_thread" in new[0].fix
    assert "run_in_executor" in old[0].fix


def test_result_views_dict_frame_html_and_groups() -> None:
    result = scan_source(SOURCE, "a<b>.py")
    doc = result.to_dict()
    assert doc["files_scanned"] == 1
    assert len(doc["findings"]) == 3
    assert doc["errors"] == []
    frame = result.to_frame()
    assert list(frame["code"]) == ["CFL101", "CFL301", "CFL401"]
    assert "category" in frame.columns
    html = result._repr_html_()
    assert "a&lt;b&gt;.py" in html
    assert "<table>" in html
    assert set(result.by_category()) == {"blocking-call", "sequential-awaits", "dangling-task"}
    assert result.exit_code == 1
    assert scan_source("x = 1\n").exit_code == 0
