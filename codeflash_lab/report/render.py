"""Render a :class:`~codeflash_lab.report.model.Report` with Jinja2 (autoescape on).

Every value from results.tsv, HANDOFF.md and findings is escaped; only the SVG
produced by matplotlib (which escapes its own text) is inserted as markup. The
page's Content-Security-Policy forbids every network fetch and allows only the
one inline script, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

    from codeflash_lab.report.model import Report

__all__ = ["SORT_SCRIPT", "render_report"]

#: Characters never printed raw: C0/C1 controls and DEL (but the line feed) and the
#: Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_REPLACE = {"\t": " ", "\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n"}
_REPLACE.update({"\u2028": "\n", "\u2029": "\n"})

#: The report's only script: click a column header to sort the table by it.
SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    function key(row) {
      var cell = row.cells[col];
      return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    }
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
      var nx = Number(x), ny = Number(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _num(value: Any, digits: int = 3) -> str:
    """A number for a table cell: thousands separators, few decimals, blank when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 100:
        return f"{number:,.1f}"
    return f"{number:.{digits}g}"


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):+.0f}%"


def _raw(value: Any) -> str:
    """The sort key of a numeric cell (``data-v``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def _shown(value: Any) -> Any:
    """Every printed value: control characters in text escaped as ``\\xNN``, never raw.

    Line breaks stay (``<pre>`` blocks such as HANDOFF.md keep their lines) and a tab is
    a space; trusted markup (the charts' SVG, the script) passes unchanged.
    """
    from markupsafe import Markup

    if not isinstance(value, str) or isinstance(value, Markup) or not _CONTROL.search(value):
        return value
    text = value.replace("\r\n", "\n")
    return _CONTROL.sub(lambda m: _REPLACE.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("codeflash_lab.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.finalize = _shown
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.filters["raw"] = _raw
    return env


def render_report(report: Report) -> str:
    """The report as one self-contained HTML document."""
    from markupsafe import Markup

    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode("utf-8")).digest()).decode()
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=report,
        s=report.summary,
        charts=[(c, Markup(c.svg)) for c in report.charts],
        csp=csp,
        script=Markup(SORT_SCRIPT),
    )
