"""An executed notebook as one self-contained HTML page: no script, nothing fetched, code hidden,
charts with their alt text, a table of contents and a provenance footer.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from evalkit._io import write_text_atomic
from evalkit.reports.html.pages import TEMPLATES_DIR

__all__ = ["export_html", "page_title", "provenance_stamp"]


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
    fallback = notebook.metadata.get("title") or Path(notebook_path).stem.replace("_", " ")
    body, _ = exporter.from_notebook_node(
        notebook,
        resources={
            "metadata": {"name": fallback},
            "evalkit_provenance": provenance,
            "evalkit_css": _css(show_code),
        },
    )
    if "<title></title>" in body:  # a notebook without a title heading
        body = body.replace("<title></title>", f"<title>{html.escape(fallback)}</title>", 1)
    return write_text_atomic(Path(html_path), body)


def _css(show_code: bool) -> str:
    """The page's CSS: evalkit's own, and the code highlighting only when code is shown."""
    css = (TEMPLATES_DIR / "evalkit_report" / "report.css").read_text(encoding="utf-8")
    if show_code:
        from pygments.formatters import HtmlFormatter

        css += "\n" + HtmlFormatter().get_style_defs(".highlight")
    return css


def provenance_stamp(summary: dict) -> str:
    """One line saying what a report was built from: the place and round (or, for a report of a
    place's own, its name), the data's fingerprint, evalkit's version and when it ran.

    >>> provenance_stamp({"report": "northbridge/board", "data_sha256": "ab" * 32,
    ...                   "evalkit_version": "1.0"})  # doctest: +ELLIPSIS
    'northbridge/board · data abababababab · evalkit 1.0 · run ... UTC'
    """
    from evalkit import __version__

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    what = summary.get("report") or f"{summary['place_name']} · {summary['round_label']}"
    version = summary.get("evalkit_version", __version__)
    return f"{what} · data {summary['data_sha256'][:12]} · evalkit {version} · run {now}"


def page_title(page: str) -> str:
    """The text of an HTML page's ``<title>``.

    >>> page_title("<html><head><title>Ashby: Round 2 &amp; more</title></head></html>")
    'Ashby: Round 2 & more'
    """
    found = re.search(r"<title>(.*?)</title>", page, flags=re.S | re.I)
    return html.unescape(" ".join(found.group(1).split())) if found else ""
