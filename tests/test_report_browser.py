"""The report in a real headless Chromium: it renders, sorts, stays offline, and escapes payloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codeflash_lab.report import build_report, export_notebook_html
from codeflash_lab.workspace.layout import Workspace

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = "<script>alert(1)</script>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


class Visit:
    """One page load with every console message, page error, dialog and request recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 1000})
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def problems(self) -> list[str]:
        bad = [f"console {t}: {text}" for t, text in self.console if t in ("error", "warning")]
        bad += [f"page error: {e}" for e in self.errors]
        bad += [f"dialog: {d}" for d in self.dialogs]
        bad += [f"request: {u}" for u in self.requests if not u.startswith(("file:", "data:"))]
        return bad

    def close(self) -> None:
        self.context.close()


def test_report_renders_sorts_and_stays_offline(browser, populated_project, tmp_path) -> None:
    path = build_report(populated_project).to_file(tmp_path / "report.html")
    visit = Visit(browser, path)
    try:
        page = visit.page
        assert page.title() == "Async performance report: service"
        # the log's one target has its own three charts, then the four saved-run charts
        assert page.locator("svg.chart").count() == 7
        assert page.locator("#chart-t1-progress svg.chart text").count() > 5
        assert page.locator("#experiments-table tbody tr").count() == 9
        assert "faster" in page.inner_text("#summary")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 50_000
        first = "#experiments-table tbody tr:first-child td:first-child"
        assert page.inner_text(first) == "1"
        header = page.locator("#experiments-table th", has_text="#").first
        header.click()
        header.click()  # second click: descending
        assert page.inner_text(first) == "9"
        assert header.get_attribute("aria-sort") == "descending"
        assert visit.problems() == []
    finally:
        visit.close()


def test_xss_payload_shows_as_text(browser, tmp_path, write_results_tsv) -> None:
    project = tmp_path / "proj"
    ws = Workspace(project)
    write_results_tsv(
        ws.results_tsv,
        [
            {
                "baseline_latency_ms": "40",
                "optimized_latency_ms": "20",
                "description": XSS,
                "commit": XSS,
            }
        ],
    )
    ws.handoff_md.write_text(f"# Handoff\n{XSS}\n", encoding="utf-8")
    path = build_report(project).to_file(tmp_path / "xss.html")
    visit = Visit(browser, path)
    try:
        page = visit.page
        assert XSS in page.inner_text("#experiments-table")
        assert page.locator("#experiments-table script").count() == 0
        assert page.locator("script").count() == 1
        assert visit.problems() == []
    finally:
        visit.close()


def test_empty_report_renders_its_message(browser, tmp_path, write_results_tsv) -> None:
    project = tmp_path / "empty"
    write_results_tsv(Workspace(project).results_tsv, [])
    path = build_report(project).to_file(tmp_path / "empty.html")
    visit = Visit(browser, path)
    try:
        assert "Nothing to chart yet" in visit.page.inner_text("#charts")
        assert visit.problems() == []
    finally:
        visit.close()


def test_exported_notebook_opens_offline(browser, tmp_path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Report\n\nWith math: $x^2$."),
        new_code_cell(
            "print('hi')",
            outputs=[new_output("stream", name="stdout", text="hi\n")],
            execution_count=1,
        ),
    ]
    src = tmp_path / "nb.ipynb"
    nbformat.write(nb, src)
    out = export_notebook_html(src, tmp_path / "nb.html")
    visit = Visit(browser, out)
    try:
        assert "Report" in visit.page.inner_text("body")
        assert visit.problems() == []
    finally:
        visit.close()
