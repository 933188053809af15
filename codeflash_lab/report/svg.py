"""Matplotlib Figure → an inline ``<svg>`` element that scales with the page."""

from __future__ import annotations

import html
import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figure_svg"]

_ROOT = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_SIZE = re.compile(r'\s(width|height)="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_REFERENCE = re.compile(r'(?:url\(#|href="#)([^)"]+)')
_ID = re.compile(r'\sid="([^"]+)"')
_TICK = re.compile(r'\sid="([xy])tick_\d+"')


def figure_svg(fig: Figure, *, key: str, label: str = "") -> str:
    """Render ``fig`` as an inline SVG element (text stays text, ids unique per ``key``).

    Args:
        fig: the chart.
        key: a short unique name; it salts matplotlib's element ids so several
            SVGs can share one HTML page without clashing clip paths.
        label: accessible name of the image.

    Returns:
        The ``<svg ...>...</svg>`` markup, without XML prolog or metadata, sized
        by its ``viewBox`` so it fills the width of its container.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"codeflash-{key}"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = _METADATA.sub("", text, count=1)
    # Tick groups keep a class (a page can check its tick labels); other ids nothing
    # points at (figure_1, axes_1...) are dropped: they would repeat across charts.
    text = _TICK.sub(lambda m: f' class="{m.group(1)}tick"', text)
    referenced = set(_REFERENCE.findall(text))
    text = _ID.sub(lambda m: m.group(0) if m.group(1) in referenced else "", text)
    root = _ROOT.search(text)
    if root is None:
        return text
    tag = _SIZE.sub("", root.group(0))
    aria = html.escape(label, quote=True)
    tag = tag.replace("<svg", f'<svg class="chart" role="img" aria-label="{aria}"', 1)
    return text[: root.start()] + tag + text[root.end() :]
