"""Export an executed notebook to HTML for reading: outputs only, nothing fetched from a CDN."""

from __future__ import annotations

import os
import re
from pathlib import Path

from codeflash_lab.errors import ReportError

__all__ = ["export_notebook_html"]

# <script src="http..."> tags (require.js, MathJax, the widget renderer) and any
# stylesheet <link> to a remote address; offline they only fail and log errors.
_REMOTE_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>\s*", re.IGNORECASE
)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*", re.IGNORECASE)
# Inline scripts that exist only to load or configure those remote scripts.
_LOADER_SCRIPT = re.compile(
    r"<script\b[^>]*>(?:(?!</script>).)*?(?:MathJax|require\.config|requirejs|"
    r"jupyter-widgets|widget_renderer|unpkg\.com|cdnjs)(?:(?!</script>).)*</script>\s*",
    re.IGNORECASE | re.DOTALL,
)
_WIDGET_STATE = re.compile(
    r"<script\b[^>]*application/vnd\.jupyter\.widget-(?:state|view)\+json[^>]*>.*?</script>\s*",
    re.IGNORECASE | re.DOTALL,
)


_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_remote_assets(page: str) -> str:
    """Remove CDN script/link tags, their loader scripts and embedded widget state."""
    for pattern in (_REMOTE_SCRIPT, _REMOTE_LINK, _LOADER_SCRIPT, _WIDGET_STATE):
        page = pattern.sub("", page)
    return page


def export_notebook_html(
    notebook_path: str | os.PathLike[str], out_path: str | os.PathLike[str]
) -> Path:
    """Write an executed notebook as an HTML page without code cells or CDN scripts.

    Markdown, text, tables and static images are kept; widget outputs (which
    need a live kernel) are dropped, so put essential charts in static outputs.

    Args:
        notebook_path: the ``.ipynb`` file (executed, so it has outputs).
        out_path: where to write the HTML file.

    Returns:
        ``out_path`` as a Path.

    Raises:
        ReportError: the notebook cannot be read or converted.
    """
    import nbformat
    from nbconvert import HTMLExporter

    src = Path(notebook_path)
    try:
        nb = nbformat.read(src, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise ReportError(f"{src}: cannot read the notebook ({exc})") from exc
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [
                o for o in cell.get("outputs", []) if _WIDGET_VIEW not in o.get("data", {})
            ]
    exporter = HTMLExporter(template_name="lab")  # type: ignore[no-untyped-call]
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    try:
        body, _resources = exporter.from_notebook_node(nb)
    except Exception as exc:  # nbconvert raises many unrelated types for a bad notebook
        raise ReportError(f"{src}: cannot convert the notebook to HTML ({exc})") from exc
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(strip_remote_assets(body), encoding="utf-8")
    return out
