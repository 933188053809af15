"""Inline SVG: scalable, text kept as text, no clashing ids, no prolog or metadata."""

from __future__ import annotations

import re

import matplotlib

from codeflash_lab.report.svg import figure_svg
from codeflash_lab.viz.style import chart_style, new_figure


def _figure(title: str):
    with chart_style():
        fig, ax = new_figure(6, 3)
        ax.plot([1, 2, 3], [3, 1, 2], marker="o")
        ax.set_title(title)
    return fig


def test_svg_is_an_inline_element_that_scales() -> None:
    svg = figure_svg(_figure("Latency <p50>"), key="one", label='a "quoted" <label>')
    assert svg.startswith("<svg ")
    root = svg[: svg.index(">") + 1]
    assert "viewBox=" in root
    assert not re.search(r'\s(width|height)="', root)
    assert 'aria-label="a &quot;quoted&quot; &lt;label&gt;"' in root
    assert "<?xml" not in svg
    assert "<metadata>" not in svg
    assert "Latency &lt;p50&gt;" in svg  # text kept as (escaped) text, not glyph paths


def test_ids_differ_between_charts_and_only_referenced_ids_remain() -> None:
    a = figure_svg(_figure("same"), key="a")
    b = figure_svg(_figure("same"), key="b")
    ids_a = set(re.findall(r'\sid="([^"]+)"', a))
    ids_b = set(re.findall(r'\sid="([^"]+)"', b))
    assert ids_a
    assert not ids_a & ids_b
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', a))
    assert ids_a <= referenced


def test_rendering_leaves_global_settings_alone() -> None:
    before = matplotlib.rcParams["svg.fonttype"], matplotlib.rcParams["svg.hashsalt"]
    figure_svg(_figure("x"), key="k")
    assert (matplotlib.rcParams["svg.fonttype"], matplotlib.rcParams["svg.hashsalt"]) == before
