"""The look of every chart: colours, a style context that restores matplotlib's globals, figures.

Charts are built on :class:`matplotlib.figure.Figure` directly (never through
pyplot), so they are not kept in pyplot's registry, are never auto-shown, and
leave no global state behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

from codeflash_lab.categories import SLUGS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "IMPACT_COLORS",
    "PATTERN_COLORS",
    "PATTERN_MARKERS",
    "STATUS_COLORS",
    "chart_style",
    "compact_charts",
    "compact_width",
    "figure_png",
    "fit_titles",
    "message_figure",
    "new_figure",
    "pattern_color",
    "pattern_marker",
    "safe_text",
]

#: KEEP / DISCARD colours (a colour-blind-safe pair: teal and orange).
STATUS_COLORS: dict[str, str] = {"KEEP": "#1b9e77", "DISCARD": "#d95f02", "": "#7f7f7f"}

#: Finding impact colours.
IMPACT_COLORS: dict[str, str] = {"HIGH": "#c0392b", "MEDIUM": "#e6a23c", "LOW": "#7f8c8d"}

_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#17becf",
    "#8c564b",
)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h", "*")

#: One colour per category slug (same order as :data:`codeflash_lab.categories.SLUGS`).
PATTERN_COLORS: dict[str, str] = dict(zip(SLUGS, _PALETTE, strict=True))
#: One marker shape per category slug.
PATTERN_MARKERS: dict[str, str] = dict(zip(SLUGS, _MARKERS, strict=True))

_OTHER_COLOR = "#7f7f7f"
_OTHER_MARKER = "p"

#: rcParams applied inside :func:`chart_style`.
_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "Liberation Sans"],
    "font.size": 10.0,
    "axes.titlesize": 12.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10.0,
    "axes.edgecolor": "#b0b0b0",
    "axes.labelcolor": "#333333",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e6e6e6",
    "grid.linewidth": 0.8,
    "xtick.color": "#555555",
    "ytick.color": "#555555",
    "legend.frameon": False,
    "legend.fontsize": 9.0,
    "figure.dpi": 100.0,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
}


#: Width (inches) of a figure in compact mode; ``None`` outside it.
_COMPACT: ContextVar[float | None] = ContextVar("codeflash_compact", default=None)

#: rcParams of compact mode: text that stays at least 10 CSS px when the chart is
#: scaled down to a phone's width (about 0.75 of its natural size).
_COMPACT_RC: dict[str, Any] = {
    "font.size": 11.0,
    "axes.titlesize": 12.0,
    "axes.labelsize": 11.0,
    "xtick.labelsize": 11.0,
    "ytick.labelsize": 11.0,
    "legend.fontsize": 10.0,
}


@contextmanager
def compact_charts(width: float = 4.8) -> Iterator[None]:
    """Inside the block, every chart is at most ``width`` inches wide with larger text.

    For pages that show charts side by side on a wide screen and stacked on a phone
    (the HTML report): figures keep their proportions up to a height limit, side by
    side panels are stacked, and tick labels are 11 pt.
    """
    token = _COMPACT.set(width)
    try:
        yield
    finally:
        _COMPACT.reset(token)


def compact_width() -> float | None:
    """The figure width of compact mode (:func:`compact_charts`), or ``None`` outside it."""
    return _COMPACT.get()


def pattern_color(pattern: str) -> str:
    """The colour of a ``pattern`` slug (grey for anything unknown)."""
    return PATTERN_COLORS.get(str(pattern).strip().lower(), _OTHER_COLOR)


def pattern_marker(pattern: str) -> str:
    """The marker shape of a ``pattern`` slug (a pentagon for anything unknown)."""
    return PATTERN_MARKERS.get(str(pattern).strip().lower(), _OTHER_MARKER)


@contextmanager
def chart_style(**overrides: Any) -> Iterator[None]:
    """Apply the chart style for the duration of a ``with`` block, then restore everything.

    Args:
        **overrides: extra rcParams (dots written as underscores are not accepted;
            pass a dict with ``**{"font.size": 12}``).
    """
    import matplotlib

    compact = _COMPACT_RC if _COMPACT.get() is not None else {}
    params: Any = {**_RC, **compact, **overrides}
    with matplotlib.rc_context(params):
        yield


def new_figure(
    width: float = 9.0,
    height: float = 4.0,
    *,
    layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
    **subplots: Any,
) -> tuple[Figure, Any]:
    """A Figure outside pyplot with its axes (call inside :func:`chart_style`).

    Args:
        width: inches.
        height: inches.
        layout: matplotlib layout engine; ``None`` for fixed margins (faster to draw).
        **subplots: passed to :meth:`Figure.subplots` (``nrows``, ``sharex``...).

    Returns:
        ``(figure, axes)``.
    """
    from matplotlib.figure import Figure

    _register_notebook_display()
    compact = _COMPACT.get()
    if compact is not None and width > compact:
        if subplots.get("ncols", 1) > 1 and subplots.get("nrows", 1) == 1:
            panels = subplots["ncols"]
            subplots = {**subplots, "nrows": panels, "ncols": 1}  # stack the panels
            height *= panels * 0.8
        height = max(2.6, min(height, 7.5))  # rows of labels keep their room
        width = compact
        layout = "constrained"
    fig = Figure(figsize=(width, height), layout=layout)
    return fig, fig.subplots(**subplots)


def message_figure(title: str, message: str, *, width: float = 9.0, height: float = 2.2) -> Figure:
    """A small figure that says there is nothing to chart, and why.

    Args:
        title: the chart that was asked for.
        message: one or two sentences for the reader.
    """
    with chart_style():
        fig, ax = new_figure(width, height)
        ax.set_axis_off()
        ax.set_title(title)
        ax.text(
            0.5,
            0.45,
            message,
            ha="center",
            va="center",
            fontsize=11,
            color="#555555",
            wrap=True,
            transform=ax.transAxes,
        )
        fig.set_label("message")
    return fig


def fit_titles(fig: Figure) -> None:
    """Wrap every axes title that runs past the figure's right edge onto more lines.

    The figure is laid out once (nothing is rendered) to see where each title
    starts and ends; a title that overflows is wrapped to the room it has.
    """
    import textwrap

    fig.draw_without_rendering()
    right = fig.bbox.width
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            text = ax.get_title(loc)
            if not text or "\n" in text:
                continue
            artist = {"left": ax._left_title, "center": ax.title, "right": ax._right_title}[loc]
            box = artist.get_window_extent()
            if box.x1 <= right - 1 or box.width <= 0:
                continue
            room_px = max(right - max(box.x0, 0.0) - 4, right * 0.3)
            room = max(10, int(len(text) * room_px / box.width))
            ax.set_title("\n".join(textwrap.wrap(text, room)), loc=loc)


def safe_text(text: object, limit: int = 60) -> str:
    """User text made safe for a chart label: one line, at most ``limit`` characters.

    ``$`` is escaped so matplotlib never tries to parse it as mathtext.
    """
    one_line = " ".join(str(text).split())
    if len(one_line) > limit:
        one_line = one_line[: limit - 1].rstrip() + "\u2026"
    return one_line.replace("$", r"\$")


_registered = False


def _register_notebook_display() -> None:
    """Show our pyplot-less Figures as PNG in IPython when no inline backend did it already."""
    global _registered
    if _registered:
        return
    _registered = True
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    try:
        formatter.lookup_by_type(Figure)
    except KeyError:
        formatter.for_type(Figure, figure_png)


def figure_png(fig: Figure, dpi: float = 100.0) -> bytes:
    """The figure as PNG bytes."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()
