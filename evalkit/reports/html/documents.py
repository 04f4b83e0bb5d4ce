"""A report as documents to circulate: a PDF printed by headless Chromium, and a Word file.

:func:`print_pdf` prints a report's HTML page as a tagged PDF (headings as its outline, charts with
their alt text), A4 or Letter, with a running header naming the place and the report and the page
numbers; the page's print styles keep each heading with what follows it. :func:`write_docx`
converts the same page with pandoc (``pypandoc-binary`` ships it) into a Word document with real
headings, tables as tables, and each chart with its alt text.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from evalkit._io import write_bytes_atomic

__all__ = ["PAPER", "print_pdf", "write_docx"]

#: Paper sizes in inches (width, height).
PAPER = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
_MARGIN = 0.6  # inches, each side; the header sits in the top margin

_HEADER = """<div style="width:100%; font-size:8pt; color:#4d4d4d; padding:0 {margin}in;
 display:flex; justify-content:space-between; font-family:system-ui,sans-serif;">
<span>{title}</span><span>Page <span class="pageNumber"></span> of
<span class="totalPages"></span></span></div>"""


def print_pdf(
    html_path: str | Path, pdf_path: str | Path, *, header: str, paper: str = "a4"
) -> Path:
    """Print a report's HTML page to a tagged PDF with a running header and page numbers.

    Parameters
    ----------
    html_path, pdf_path : path
        The page, and where the PDF goes (written atomically).
    header : str
        What the running header says (the place and the report), on every page.
    paper : {"a4", "letter"}
        The paper size.
    """
    from evalkit.reports.html.browser import Browser

    width, height = PAPER[paper.lower()]
    with Browser() as browser:
        browser.open(html_path)
        printed = browser.call(
            "Page.printToPDF",
            paperWidth=width,
            paperHeight=height,
            marginTop=_MARGIN + 0.25,
            marginBottom=_MARGIN,
            marginLeft=_MARGIN,
            marginRight=_MARGIN,
            printBackground=True,
            displayHeaderFooter=True,
            headerTemplate=_HEADER.format(margin=_MARGIN, title=html.escape(header)),
            footerTemplate="<span></span>",
            generateTaggedPDF=True,
            generateDocumentOutline=True,
        )
    return write_bytes_atomic(pdf_path, base64.b64decode(printed["data"]))


def write_docx(html_path: str | Path, docx_path: str | Path) -> Path:
    """Convert a report's HTML page into a Word document (headings, tables, charts with alt)."""
    import pypandoc

    html_path, docx_path = Path(html_path), Path(docx_path)
    temporary = docx_path.with_name(f".{docx_path.name}.pandoc.docx")
    try:
        pypandoc.convert_file(
            str(html_path),
            "docx",
            format="html-native_divs-native_spans",
            outputfile=str(temporary),
            extra_args=[f"--resource-path={html_path.parent}"],
        )
        return write_bytes_atomic(docx_path, temporary.read_bytes())
    finally:
        temporary.unlink(missing_ok=True)
