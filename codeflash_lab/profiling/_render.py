"""Plain-text and HTML tables shared by the profiling result objects (no third-party imports)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["fmt_cell", "html_table", "percentile", "text_table"]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile of ``values`` (``0.0`` for an empty sequence).

    Args:
        values: the sample, in any order.
        q: the percentile, 0 to 100.

    Returns:
        The interpolated value between the two closest ranks (NumPy's default "linear" method).

    Raises:
        ValueError: ``q`` is outside 0..100.
    """
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q: expected 0..100, got {q!r}")
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def fmt_cell(value: Any) -> str:
    """One table cell as text: floats with 1-3 decimals, ``None`` as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 1:
            return f"{value:.1f}"
        return f"{value:.3f}"
    return str(value)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, width: int = 60) -> str:
    """Aligned plain-text table; cells longer than ``width`` are cut with an ellipsis."""
    cells = [[_cut(fmt_cell(c), width) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
    return "\n".join(lines)


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    caption: str = "",
    notes: Sequence[str] = (),
) -> str:
    """A small self-contained HTML table (every cell escaped) with optional caption and notes."""
    parts = ['<div class="codeflash-lab-table">']
    if caption:
        parts.append(f"<p><strong>{html.escape(caption)}</strong></p>")
    parts.extend(f"<p><em>{html.escape(n)}</em></p>" for n in notes)
    parts.append('<table border="1" style="border-collapse:collapse">')
    parts.append(
        "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in rows:
        parts.append(
            "<tr>" + "".join(f"<td>{html.escape(fmt_cell(c))}</td>" for c in row) + "</tr>"
        )
    parts.append("</tbody></table></div>")
    return "\n".join(parts)


def _cut(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    if "/" in text and " " not in text:  # a path: the end (file name and line) matters most
        return "…" + text[-(width - 1) :]
    return text[: width - 1] + "…"
