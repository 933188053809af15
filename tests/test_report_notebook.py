"""Notebook export: outputs only, no code, no CDN scripts, widget state dropped."""

from __future__ import annotations

import base64
import io
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from codeflash_lab.errors import ReportError
from codeflash_lab.report import export_notebook_html
from codeflash_lab.report.notebook import strip_remote_assets
from codeflash_lab.viz.style import figure_png, message_figure

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _executed_notebook(path):
    png = base64.b64encode(figure_png(message_figure("Chart", "a static chart"))).decode()
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Results\n\nWhat changed, and by how much: $x^2$."),
        new_code_cell(
            "SECRET_CODE_LINE = 1\nprint('p50 went down')",
            outputs=[new_output("stream", name="stdout", text="p50 went down\n")],
            execution_count=1,
        ),
        new_code_cell(
            "plot_cumulative(log)",
            outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})],
            execution_count=2,
        ),
        new_code_cell(
            "ResultsDashboard(log)",
            outputs=[
                new_output(
                    "display_data",
                    data={
                        WIDGET_VIEW: {"model_id": "m1", "version_major": 2, "version_minor": 0},
                        "text/plain": "VBox()",
                    },
                )
            ],
            execution_count=3,
        ),
    ]
    nb.metadata["widgets"] = {WIDGET_STATE: {"state": {}, "version_major": 2, "version_minor": 0}}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_export_keeps_outputs_and_drops_code_and_cdn(tmp_path) -> None:
    nb = _executed_notebook(tmp_path / "05_report.ipynb")
    out = export_notebook_html(nb, tmp_path / "html" / "05_report.html")
    page = out.read_text(encoding="utf-8")
    assert "SECRET_CODE_LINE" not in page
    assert "p50 went down" in page
    assert "data:image/png;base64," in page
    assert "Results" in page
    assert not re.search(r"<script\b[^>]*\bsrc=", page, re.IGNORECASE)
    assert not re.search(r"<link\b[^>]*\bhref=[\"']?(https?:)?//", page, re.IGNORECASE)
    assert "VBox()" not in page  # widget outputs need a kernel: dropped
    for cdn in ("cdnjs", "unpkg", "require.js", "require.min.js", "MathJax.js", WIDGET_STATE):
        assert cdn not in page, cdn


def test_strip_remote_assets_removes_loaders_and_keeps_the_rest() -> None:
    page = (
        '<head><script src="https://cdnjs.cloudflare.com/require.min.js"></script>\n'
        "<script type='text/javascript'>require.config({paths: {}});</script>\n"
        '<script src="//unpkg.com/@jupyter-widgets/html-manager@*/dist/embed-amd.js"></script>\n'
        '<link rel="stylesheet" href="https://fonts.example/x.css">\n'
        '<script type="application/vnd.jupyter.widget-state+json">{"state": {}}</script>\n'
        "<style>body{}</style></head><body><p>kept</p><script>var local = 1;</script></body>"
    )
    cleaned = strip_remote_assets(page)
    assert "cdnjs" not in cleaned
    assert "unpkg" not in cleaned
    assert "require.config" not in cleaned
    assert "fonts.example" not in cleaned
    assert "widget-state" not in cleaned
    assert "<p>kept</p>" in cleaned
    assert "var local = 1;" in cleaned
    assert "<style>body{}</style>" in cleaned


def test_a_broken_notebook_is_a_report_error(tmp_path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match=r"bad\.ipynb"):
        export_notebook_html(bad, tmp_path / "bad.html")
    with pytest.raises(ReportError, match=r"missing\.ipynb"):
        export_notebook_html(tmp_path / "missing.ipynb", tmp_path / "m.html")


def test_png_helper_round_trips() -> None:
    data = figure_png(message_figure("t", "m"))
    assert io.BytesIO(data).read(4) == b"\x89PNG"
