"""HANDOFF.md's Ranked targets and Next steps: the ranking rule, the next-step rule, the demo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codeflash_lab.experiments import ledger_status
from codeflash_lab.experiments.handoff_sections import next_steps, rank_targets
from codeflash_lab.workspace import Workspace, init_workspace, read_section

APP = """\
import asyncio


async def slow_page():
    a = await asyncio.sleep(0, 1)
    b = await asyncio.sleep(0, 2)
    return a + b


async def quick_page(ids):
    out = []
    for i in ids:
        out.append(await asyncio.sleep(0, i))
    return out
"""


def _finding(path: str, line: int, category: str, confidence: str = "high") -> dict:
    return {
        "path": path,
        "line": line,
        "category": category,
        "impact": "HIGH",
        "message": f"{category} here",
        "confidence": confidence,
    }


def _profile(project: Path, slow: float, quick: float) -> dict:
    where = str(project / "app.py")
    return {
        "wall_s": 2.0,
        "rows": [
            {"name": "slow_page", "path": where, "line": 4, "ttot_s": slow, "tsub_s": 0.0},
            {"name": "quick_page", "path": where, "line": 10, "ttot_s": quick, "tsub_s": 0.0},
        ],
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    (root / ".codeflash").mkdir(parents=True)
    (root / "app.py").write_text(APP, encoding="utf-8")
    return root


SCAN = {
    "findings": [
        _finding("app.py", 5, "sequential-awaits"),
        _finding("app.py", 13, "await-in-loop", "medium"),
    ]
}


def test_share_of_wall_time_times_confidence_orders_the_targets(project: Path) -> None:
    ws = Workspace(project)
    first = rank_targets(ws, scan=SCAN, profile=_profile(project, slow=1.8, quick=0.4))
    assert [(t.function, round(t.score, 2)) for t in first] == [
        ("slow_page", 0.9),  # 1.8 / 2.0 x 1.0
        ("quick_page", 0.12),  # 0.4 / 2.0 x 0.6
    ]
    # the profile changes: the loop now takes most of the time, and the order follows
    second = rank_targets(ws, scan=SCAN, profile=_profile(project, slow=0.2, quick=1.9))
    assert [(t.function, round(t.score, 2)) for t in second] == [
        ("quick_page", 0.57),
        ("slow_page", 0.1),
    ]
    assert "95% of profiled wall time x confidence 0.6 = 0.57" in second[0].line()


def test_without_a_profile_the_scan_order_stands(project: Path) -> None:
    reversed_scan = {"findings": list(reversed(SCAN["findings"]))}
    ranked = rank_targets(Workspace(project), scan=reversed_scan, profile={})
    assert [t.where for t in ranked] == ["app.py:13", "app.py:5"]
    assert all(t.share is None for t in ranked)
    assert "not in the profile; scan order" in ranked[0].line()


def test_next_steps_follow_the_plateau_state(project, write_results_tsv) -> None:
    from codeflash_lab.workspace import read_results

    ws = Workspace(project)
    ranked = rank_targets(ws, scan=SCAN, profile=_profile(project, slow=1.8, quick=0.4))
    assert next_steps(ranked, [], None) == [
        "Next experiment: `app.py:5` in `slow_page` (sequential-awaits), the top ranked target.",
        "Untried categories in the scan: `sequential-awaits`, `await-in-loop`.",
    ]
    # three discards in a row of one pattern: irreducible, so review before more work
    write_results_tsv(
        ws.results_tsv,
        [{"status": "DISCARD", "pattern": "sequential-awaits"} for _ in range(3)],
    )
    rows = read_results(ws.results_tsv).rows
    steps = next_steps(ranked, rows, ledger_status(rows))
    assert steps[0].startswith("Plateau: irreducible")
    assert steps[1] == "Untried categories in the scan: `await-in-loop`."


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codeflash_lab", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.mark.slow
def test_demo_scan_and_profile_fill_the_sections_and_a_keep_changes_them(tmp_path) -> None:
    from codeflash_lab.demo import DemoServers, create_project
    from codeflash_lab.demo.catalog import EXERCISES
    from codeflash_lab.experiments import ensure_branch, record_experiment

    project = create_project(tmp_path / "w").project
    init_workspace(project)
    ensure_branch(project)
    ws = Workspace(project)
    scan = _cli("scan", "shopfront", "--project", str(project), "--format", "json", cwd=project)
    assert scan.returncode == 1, scan.stderr  # findings present
    with DemoServers(tmp_path / "logs") as servers:
        upstream = servers.start_upstream(project, latency_ms=20)
        prof = _cli(
            "profile", "scenarios:process_order", "--duration", "1", "--project", str(project),
            "--format", "json", cwd=project, env={"SHOPFRONT_UPSTREAM": upstream.url},
        )  # fmt: skip
    assert prof.returncode == 0, prof.stderr
    ranked = rank_targets(ws)
    assert ranked[0].share is not None
    assert ranked[0].share > 0.3  # the request path dominates the profiled wall time

    # a first (discarded) experiment refreshes HANDOFF.md through record
    record_experiment(
        ws, target_test="GET /process", pattern="unbounded-queue", description="bounded queue",
        baseline_latency_ms=300, optimized_latency_ms=301, status="DISCARD",
    )  # fmt: skip
    before_targets = read_section(ws, "Ranked targets")
    before_next = read_section(ws, "Next steps")
    assert before_targets.startswith("Ranked by share of profiled wall time x finding confidence")
    top = ranked[0]
    assert f"1. `{top.where}`" in before_targets
    assert before_next.startswith(f"- Next experiment: `{top.where}`")
    assert f"`{top.category}`" in before_next.splitlines()[1]

    # KEEP the fix of the top target: it leaves the ranking and the next step moves on
    path = top.where.rsplit(":", 1)[0]
    fix = next(e for e in EXERCISES if e.file == path and e.pattern == top.category)
    shutil.copyfile(fix.fix_path, project / path)
    record_experiment(
        ws, target_test="GET /process", pattern=top.category, description=fix.summary,
        baseline_latency_ms=300, optimized_latency_ms=150, status="KEEP", files=[path],
    )  # fmt: skip
    after_targets = read_section(ws, "Ranked targets")
    after_next = read_section(ws, "Next steps")
    assert after_targets != before_targets
    assert f"1. `{top.where}`" not in after_targets
    assert f"Done (a KEEP of the category changed the file): `{top.where}`" in after_targets
    second = next(t for t in rank_targets(ws, ws_rows(ws)) if not t.done)
    assert after_next.startswith(f"- Next experiment: `{second.where}`")
    assert after_next != before_next
    saved = json.loads(sorted((ws.root / "runs").glob("*-profile-*.json"))[-1].read_text())
    assert saved["rows"], "the profile the ranking used is saved"


def ws_rows(ws: Workspace) -> list:
    from codeflash_lab.workspace import read_results

    return list(read_results(ws.results_tsv).rows)


def test_a_scan_with_no_finding_is_not_called_missing(project: Path) -> None:
    from codeflash_lab.experiments.handoff_sections import ranked_targets_markdown

    ranked = rank_targets(Workspace(project), scan={"findings": []}, profile={})
    assert ranked == []
    text = ranked_targets_markdown(ranked, profiled=False, scanned=True)
    assert text.startswith("The latest saved scan found no async antipattern")
    assert "No scan saved yet" not in text
    assert next_steps(ranked, [], None, scanned=True)[0].startswith("The scan found nothing")
    assert next_steps([], [], None, scanned=False)[0].startswith("Run `codeflash-lab scan`")
