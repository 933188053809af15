"""Findings ranked into targets, and the category table."""

from __future__ import annotations

from codeflash_lab.categories import CATEGORIES
from codeflash_lab.lab import category_table, rank_findings
from codeflash_lab.scan import scan_source

SOURCE = """
import asyncio, time

async def handler(a, b):
    q = asyncio.Queue()
    time.sleep(1)
    x = await a()
    y = await b()
    return x, y, q
"""


def test_high_impact_first_then_the_workflow_order() -> None:
    result = scan_source(SOURCE, "/proj/app/m.py")
    ranked = rank_findings(result, root="/proj")
    assert list(ranked.index) == list(range(1, len(ranked) + 1))
    assert list(ranked["category"]) == ["sequential-awaits", "blocking-call", "unbounded-queue"]
    assert list(ranked["impact"]) == ["HIGH", "HIGH", "MEDIUM"]
    assert ranked.iloc[0]["where"].startswith("app/m.py:")
    assert ranked.iloc[0]["typical_gain"]


def test_saved_finding_dicts_rank_the_same_way() -> None:
    result = scan_source(SOURCE, "m.py")
    as_dicts = [f.to_dict() for f in result.findings]
    assert list(rank_findings(as_dicts)["where"]) == list(rank_findings(result)["where"])


def test_no_findings_gives_an_empty_frame_with_columns() -> None:
    empty = rank_findings([])
    assert empty.empty
    assert "category" in empty.columns


def test_category_table_counts_what_was_found() -> None:
    table = category_table(scan_source(SOURCE, "m.py"))
    assert list(table.index) == [c.slug for c in CATEGORIES]
    assert table.loc["blocking-call", "found"] == 1
    assert table.loc["dangling-task", "found"] == 0
    assert category_table()["found"].sum() == 0
