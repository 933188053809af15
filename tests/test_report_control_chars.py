"""Control characters in free text never reach the HTML report raw.

Experiments are recorded through the real ledger (``record_experiment``) with line
breaks, tabs, an ANSI escape sequence, NUL/BEL/DEL, a C1 control and a Unicode line
separator in their target test and description; the report built from that project
holds them folded (line breaks and tabs to one space) or escaped as ``\\xNN`` text, on
one table row per experiment.
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from codeflash_lab.experiments.ledger import record_experiment
from codeflash_lab.report import build_report
from codeflash_lab.workspace.handoff import ensure_handoff
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import ensure_results_file

TARGET = "app:h\n## Keeps\t<b>x</b>\x1b[2J"
DESCRIPTION = "gather\r\n</td></tr><tr><td>\tfake row\x1b[31mred\x07\x00\x7f\x9b1m\u2028end"
FOLDED_TARGET = "app:h ## Keeps <b>x</b>\\x1b[2J"
FOLDED_DESCRIPTION = "gather </td></tr><tr><td> fake row\\x1b[31mred\\x07\\x00\\x7f\\x9b1m end"


class _Table(HTMLParser):
    """The cells of each row of ``#experiments-table``'s body, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = self._in_cell = False
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("id") == "experiments-table":
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self.rows[-1].append("")
            self._in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._in_table = False

    def handle_data(self, data: str) -> None:
        if self._in_cell and self.rows:
            self.rows[-1][-1] += data


def _record(ws: Workspace, **over: Any) -> None:
    kw: dict[str, Any] = dict(
        target_test=TARGET,
        pattern="sequential-awaits",
        description=DESCRIPTION,
        baseline_latency_ms=100.0,
        optimized_latency_ms=60.0,
        concurrency=10,
    )
    kw.update(over)
    record_experiment(ws, **kw)


@pytest.fixture
def page(git_repo: Path) -> str:
    ws = Workspace(git_repo)
    ws.root.mkdir()
    ensure_results_file(ws.results_tsv)
    ensure_handoff(ws)
    _record(ws)
    _record(ws, optimized_latency_ms=130.0, description=DESCRIPTION + "\n\nsecond")
    _record(ws, target_test="plain:target", description="plain\x1b]0;title\x07")
    return build_report(git_repo).to_html()


def test_no_raw_control_character_reaches_the_report(page: str) -> None:
    controls = {f"{ord(ch):#04x}" for ch in page if unicodedata.category(ch) == "Cc"}
    assert controls <= {"0x0a"}, "only the page's own line breaks"
    assert "\u2028" not in page
    assert "\u2029" not in page


def test_each_experiment_stays_one_table_row_with_its_text_folded(page: str) -> None:
    table = _Table()
    table.feed(page)
    assert len(table.rows) == 3
    assert {len(row) for row in table.rows} == {len(table.rows[0])}
    targets = [row[1] for row in table.rows]
    assert targets == [FOLDED_TARGET, FOLDED_TARGET, "plain:target"]
    descriptions = [" ".join(row[5].split()) for row in table.rows]  # as a browser shows it
    assert descriptions[0].startswith(FOLDED_DESCRIPTION)
    assert descriptions[1].startswith(FOLDED_DESCRIPTION + " second")
    assert descriptions[2].startswith("plain\\x1b]0;title\\x07")
    # the markup in the text is text: no extra row, cell or bold element was made
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;" in page
    assert "<b>x</b>" not in page


def test_a_target_with_control_characters_is_named_folded_in_its_section(page: str) -> None:
    named = "app:h ## Keeps &lt;b&gt;x&lt;/b&gt;\\x1b[2J"
    assert f'<a href="#target-1">{named}</a>' in page
    assert page.count(named) >= 3  # the link, its section, its table rows


def test_multi_line_text_keeps_its_lines_with_controls_escaped() -> None:
    from markupsafe import Markup

    from codeflash_lab.report.render import _shown

    assert _shown("a\r\nb\tc\x1b[0m\u2028d") == "a\nb c\\x1b[0m\nd"
    svg = Markup("<svg>\x1b</svg>")
    assert _shown(svg) is svg
    assert _shown(3.5) == 3.5
