"""Chart style: colours for every status and pattern, and global settings left as they were."""

from __future__ import annotations

import matplotlib
import pytest

from codeflash_lab.categories import SLUGS
from codeflash_lab.viz.style import (
    PATTERN_COLORS,
    STATUS_COLORS,
    chart_style,
    message_figure,
    new_figure,
    pattern_color,
    pattern_marker,
    safe_text,
)


def test_every_pattern_has_its_own_colour_and_marker() -> None:
    assert set(PATTERN_COLORS) == set(SLUGS)
    assert len(set(PATTERN_COLORS.values())) == len(SLUGS)
    assert len({pattern_marker(s) for s in SLUGS}) == len(SLUGS)
    assert STATUS_COLORS["KEEP"] != STATUS_COLORS["DISCARD"]


def test_unknown_patterns_get_a_neutral_look() -> None:
    assert pattern_color("made-up") not in PATTERN_COLORS.values()
    assert pattern_color(" Blocking-Call ") == PATTERN_COLORS["blocking-call"]
    assert pattern_marker("made-up") not in {pattern_marker(s) for s in SLUGS}


def test_chart_style_restores_global_settings() -> None:
    before = dict(matplotlib.rcParams)
    with chart_style():
        assert matplotlib.rcParams["svg.fonttype"] == "none"
        assert matplotlib.rcParams["axes.spines.top"] is False
        fig, _ax = new_figure()
    assert dict(matplotlib.rcParams) == before
    assert fig.get_figwidth() == 9.0


def test_figures_stay_out_of_pyplot() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    message_figure("Title", "Nothing here")
    assert plt.get_fignums() == before


def test_safe_text_is_one_short_line_without_mathtext() -> None:
    text = safe_text("costs $5\nand   $10 " + "x" * 100, 30)
    assert "\n" not in text
    assert len(text.replace("\\$", "$")) <= 30
    assert r"\$5" in text


@pytest.mark.slow
def test_charts_show_as_png_in_a_real_kernel(tmp_path) -> None:
    """Figures made outside pyplot still display as images in Jupyter, exactly once."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from codeflash_lab.viz import message_figure\n"
            "message_figure('Title', 'nothing to chart')"
        ),
        nbformat.v4.new_code_cell("import sys\nprint('matplotlib.pyplot' in sys.modules)"),
    ]
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = nb.cells[0].outputs
    assert len(outputs) == 1
    assert "image/png" in outputs[0]["data"]
    assert nb.cells[1].outputs[0]["text"].strip() == "False"
