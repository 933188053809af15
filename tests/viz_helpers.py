"""What the chart tests read off a matplotlib Figure: its words, point colours and SVG."""

from __future__ import annotations

import io

import matplotlib.colors as mcolors


def figure_texts(fig) -> str:
    """Titles, free texts and tick labels of every axes, joined with `` | ``."""
    parts = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center", "right")]
    parts += [t.get_text() for ax in fig.axes for t in ax.texts]
    parts += [
        t.get_text() for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())
    ]
    return " | ".join(parts)


def point_colours(fig) -> set[str]:
    """The face colours of every scatter collection, as hex."""
    return {
        mcolors.to_hex(rgba)
        for ax in fig.axes
        for coll in ax.collections
        for rgba in coll.get_facecolors()
    }


def figure_svg(fig) -> str:
    """The figure rendered as SVG text."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()
