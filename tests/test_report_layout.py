"""The report's layout in a real headless Chromium, on a wide screen and on a phone.

At 1400x900 and 390x844: every chart tick label renders at 10 CSS px or more and no
two overlap; the page makes no network request. At 1400 px the experiments table
fits its box; at 390 px nothing but a table's own scroll box is wider than the
viewport. Screenshots of both widths are written beside the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_report_browser import CHROMIUM
from test_report_browser import browser as chromium  # noqa: F401 - the shared fixture

from codeflash_lab.report import build_report
from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict
from codeflash_lab.workspace.layout import Workspace

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
    ),
]

#: The checks, run in the page: tick labels (size in CSS px, overlaps), wide elements.
PROBE = """
() => {
  const ticks = [], overlaps = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const labels = [...svg.querySelectorAll("g.xtick text, g.ytick text")]
      .filter((t) => t.textContent.trim() !== "");
    const boxes = labels.map((t) => ({
      text: t.textContent.trim(),
      px: parseFloat(getComputedStyle(t).fontSize) * scale,
      r: t.getBoundingClientRect(),
      chart: svg.getAttribute("aria-label"),
    }));
    for (const b of boxes) ticks.push({text: b.text, px: b.px, chart: b.chart});
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5) overlaps.push([boxes[i].chart, boxes[i].text, boxes[j].text]);
      }
    }
  }
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".table-wrap") && !el.classList.contains("table-wrap")) continue;
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > width + 0.5 || r.left < -0.5)) {
      wide.push(el.tagName + (el.id ? "#" + el.id : "") + "." + (el.getAttribute("class") || "") + " " + Math.round(r.left) + ".." + Math.round(r.right) + " in " + ((el.closest("svg") || {getAttribute: () => ""}).getAttribute("aria-label") || ""));
    }
  }
  const wrap = document.querySelector("#experiments-wrap");
  return {
    ticks, overlaps, wide,
    pageWidth: document.documentElement.scrollWidth, width,
    table: {scroll: wrap.scrollWidth, client: wrap.clientWidth},
    pinned: getComputedStyle(document.querySelector("#experiments-table td")).position,
  };
}
"""


def _rows() -> list[dict[str, str]]:
    """13 experiments over three targets with long descriptions, as a real log has."""
    targets = ["GET /process", "GET /checkout?customer=7&lines=12", "POST /batch/price-all"]
    patterns = ["sequential-awaits", "await-in-loop", "client-per-request", "blocking-call"]
    rows, latency = [], {t: 300.0 / (i + 1) for i, t in enumerate(targets)}
    for n in range(13):
        target = targets[n % 3]
        keep = n % 4 != 3
        before = latency[target]
        after = before * (0.6 if keep else 1.05)
        rows.append(
            {
                "commit": f"{n:02d}a1b2c3d4e5",
                "target_test": target,
                "baseline_latency_ms": f"{before:.1f}",
                "optimized_latency_ms": f"{after:.1f}",
                "baseline_throughput": f"{16000 / before:.1f}",
                "optimized_throughput": f"{16000 / after:.1f}",
                "status": "KEEP" if keep else "DISCARD",
                "pattern": patterns[n % 4],
                "description": (
                    f"experiment {n + 1}: gather the independent upstream lookups of the "
                    "order context and reuse one client session per application"
                ),
            }
        )
        if keep:
            latency[target] = after
    return rows


@pytest.fixture
def report_path(populated_project: Path, write_results_tsv, tmp_path: Path) -> Path:
    ws = Workspace(populated_project)
    write_results_tsv(ws.results_tsv, _rows())
    folder = ws.root / "experiments"
    folder.mkdir(exist_ok=True)
    measured = Ruling(
        Verdict.KEEP,
        Rule.THRESHOLD,
        "p50 41 % lower, CI 35-47 % over 6 rounds",
        Evidence(Source.MEASURED, "runs/20260101T000000-compare-abc.json"),
    )
    typed = Ruling(Verdict.DISCARD, Rule.PERSON, "typed by hand", Evidence(Source.TYPED))
    for number, ruling in ((1, measured), (4, typed)):
        doc = {"id": f"r{number}", "state": "done", "target": "", "ruling": ruling.to_dict()}
        doc["steps"] = {"row": number}
        (folder / f"r{number}.json").write_text(json.dumps(doc), encoding="utf-8")
    # a scan with a finding in every category: one label per bar in the findings chart
    from codeflash_lab.categories import SLUGS
    from codeflash_lab.workspace.runs import save_run

    findings = [
        {"path": f"svc/m{i}.py", "line": 3, "code": f"CFL{i:03d}", "category": slug,
         "impact": "HIGH" if i % 2 else "MEDIUM", "message": f"{slug} here", "fix": "fix it"}
        for i, slug in enumerate(SLUGS)
    ]  # fmt: skip
    save_run(ws, "scan", {"findings": findings, "files_scanned": len(SLUGS)})
    return build_report(populated_project).to_file(tmp_path / "report.html")


def _visit(browser: Any, path: Path, width: int, height: int, shot: Path) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        found = page.evaluate(PROBE)
        page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    found["requests"] = [u for u in requests if u != path.resolve().as_uri()]
    return found


@pytest.mark.parametrize(("width", "height"), [(1400, 900), (390, 844)])
def test_report_reads_at_desktop_and_phone_widths(
    chromium,  # noqa: F811 - the fixture imported above
    report_path,
    width,
    height,
) -> None:
    shot = report_path.with_name(f"report-{width}.png")
    found = _visit(chromium, report_path, width, height, shot)
    assert found["requests"] == []
    assert len(found["ticks"]) > 40
    small = [t for t in found["ticks"] if t["px"] < 10.0]
    assert small == [], small[:5]
    assert found["overlaps"] == []
    assert found["pinned"] == "sticky"  # the first column stays while the table scrolls
    if width == 1400:
        assert found["table"]["scroll"] <= found["table"]["client"]
        assert found["pageWidth"] <= width
    else:
        assert found["wide"] == []
        assert found["pageWidth"] <= width
    assert shot.stat().st_size > 20_000


def test_report_has_a_section_per_target_and_the_rule_per_row(report_path) -> None:
    page = report_path.read_text(encoding="utf-8")
    assert page.count('<section class="target"') == 3
    assert page.count("<th>Target</th>") == 1
    assert "<code>threshold</code>" in page
    assert "typed, not measured" in page
    assert "compounded" not in page
    assert 'id="chart-t1-latency"' in page
    assert 'id="chart-cumulative"' not in page
