"""An executed notebook as one self-contained HTML page: no script, nothing fetched, code hidden,
charts with their alt text, a table of contents and a provenance footer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evalkit._io import write_text_atomic
from evalkit.reports.html.pages import TEMPLATES_DIR

__all__ = ["export_html", "provenance_stamp"]


def export_html(
    notebook_path: str | Path,
    html_path: str | Path,
    *,
    provenance: str = "",
    show_code: bool = False,
) -> Path:
    """Export an executed notebook to one self-contained HTML file (nothing fetched when opened).

    Code cells are hidden unless ``show_code``; charts keep their alt text; ``provenance`` is
    stamped in the footer.
    """
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:  # warnings are for the analyst, not the partners reading this
        if "outputs" in cell:
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    exporter = HTMLExporter(
        template_name="evalkit_report", extra_template_basedirs=[str(TEMPLATES_DIR)]
    )
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    title = notebook.metadata.get("title") or Path(notebook_path).stem.replace("_", " ")
    body, _ = exporter.from_notebook_node(
        notebook, resources={"metadata": {"name": title}, "evalkit_provenance": provenance}
    )
    return write_text_atomic(Path(html_path), body)


def provenance_stamp(summary: dict) -> str:
    """One line saying what a report was built from."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{summary['place_name']} · {summary['round_label']} · data {summary['data_sha256'][:12]}"
        f" · evalkit {summary['evalkit_version']} · run {now}"
    )
