"""A round report as the documents partners circulate and reuse: PDF, Word and figures/.

One round report of the demo place is run with ``formats=("html", "pdf", "docx")``. The PDF is
read back with pypdf (its text, pages and paper), the Word file as the XML inside it, and the
files in ``figures/`` against the tables the page shows beside each chart.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evalkit import run as runner
from evalkit import words
from evalkit.reports.html.browser import chromium
from evalkit.reports.html.documents import print_pdf
from evalkit.reports.round import build_round_report

ROUND = 2
POINTS = {"a4": (595, 842), "letter": (612, 792)}


@pytest.fixture(scope="module")
def report_dir(demo_place, tmp_path_factory):
    try:
        chromium()
    except Exception as error:  # noqa: BLE001 - the message says how to install it
        if os.environ.get("CI"):
            pytest.fail(f"{error} (.ci/run installs it on CI)")
        pytest.skip(str(error))
    outputs = tmp_path_factory.mktemp("documents")
    results = runner.run(
        demo_place,
        rounds=[ROUND],
        outputs_dir=outputs,
        workers=1,
        progress=False,
        formats=("html", "pdf", "docx"),
    )
    assert [r.ok for r in results] == [True], [r.error for r in results]
    return outputs / "demo" / f"round-{ROUND:02d}"


class _Page(HTMLParser):
    """The parts of a report page the documents must keep: headings, image alts, tables."""

    def __init__(self):
        super().__init__()
        self.headings, self.alts, self.tables = [], [], []
        self.followed = []  # (heading, the first chart or table caption after it, if any)
        self._heading = None
        self._caption = None
        self._cell = None
        self._row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h1", "h2", "h3"):
            self._heading = ""
        elif tag in ("figcaption", "caption"):
            self._caption = ""
        elif tag == "img":
            self.alts.append(attrs.get("alt", ""))
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join(self._heading.replace("¶", "").split()))
            self.followed.append((self.headings[-1], ""))
            self._heading = None
        elif tag in ("figcaption", "caption") and self._caption is not None:
            if self.followed and not self.followed[-1][1]:
                self.followed[-1] = (self.followed[-1][0], " ".join(self._caption.split()))
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading += data
        if self._cell is not None:
            self._cell += data
        if self._caption is not None:
            self._caption += data


def _page(report_dir: Path) -> _Page:
    page = _Page()
    page.feed((report_dir / "round_report.html").read_text(encoding="utf-8"))
    return page


def _pdf_pages(path: Path) -> list[str]:
    """Each page's text, ligatures undone and spaces normalised."""
    from pypdf import PdfReader

    return [
        " ".join(unicodedata.normalize("NFKC", p.extract_text() or "").split())
        for p in PdfReader(path).pages
    ]


def _hidden_cells(place_dir: Path, report) -> list[tuple[str, float]]:
    """Each (group, behaviour) the report hides, as the group's name and its true average,
    computed from the store directly."""
    names = {**report.place.sectors, **report.place.roles}
    with duckdb.connect(str(place_dir / "store.duckdb"), read_only=True) as con:
        ratings = con.execute("SELECT * FROM ratings WHERE round = ?", [ROUND]).df()
    hidden = []
    for group_by in ("sector", "role"):
        levels = report.levels_for(group_by)
        for _, cell in levels[levels["suppressed"]].iterrows():
            values = ratings.loc[
                (ratings[group_by] == cell["group"]) & (ratings["behaviour"] == cell["behaviour"]),
                "rating",
            ].dropna()
            if len(values):
                hidden.append((names.get(cell["group"], cell["group"]), float(values.mean())))
    return hidden


def test_the_pdf_keeps_the_headline_and_never_shows_a_hidden_group(report_dir, demo_place):
    pages = _pdf_pages(report_dir / "round_report.pdf")
    text = " ".join(pages)
    report = build_round_report(demo_place, ROUND)
    headline = words.headline(report)
    assert headline
    for sentence in headline:
        plain = " ".join(re.sub(r"[*_`]", "", sentence).split())
        assert plain[:60] in text, plain
    hidden = _hidden_cells(demo_place, report)
    assert hidden, "the demo hides some small groups in every round"
    for name, mean in hidden:
        for found in re.finditer(re.escape(name), text):
            assert f"{mean:.1f}" not in text[found.end() : found.end() + 12], (name, mean)
    assert 4 <= len(pages) <= 20


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_pdf_is_printed_on_its_paper_with_a_running_header_and_no_blank_page(
    report_dir, paper, tmp_path
):
    from pypdf import PdfReader

    path = report_dir / "round_report.pdf"
    if paper != "a4":
        path = print_pdf(report_dir / "round_report.html", tmp_path / "letter.pdf",
                         header="Demo: Round 2", paper=paper)  # fmt: skip
    reader = PdfReader(path)
    pages = _pdf_pages(path)
    for number, (page, text) in enumerate(zip(reader.pages, pages, strict=True), start=1):
        box = page.mediabox
        width, height = POINTS[paper]
        assert abs(float(box.width) - width) < 2 and abs(float(box.height) - height) < 2
        assert f"Page {number} of {len(pages)}" in text
        body = text.replace(f"Page {number} of {len(pages)}", "")
        assert len(page.images) or len(body.split()) > 20, f"page {number} is (almost) blank"
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "the PDF is tagged"
    assert reader.outline, "its headings are the PDF's outline"


def test_each_heading_is_printed_on_the_page_of_its_chart_or_table(report_dir):
    """A heading followed by a chart or a table, before the next heading, is on the same PDF
    page as that chart's caption or that table's caption."""
    page = _Page()
    page.feed((report_dir / "round_report.html").read_text(encoding="utf-8"))
    pages = _pdf_pages(report_dir / "round_report.pdf")
    pairs = [(h, c) for h, c in page.followed if c]
    assert len(pairs) >= 5
    stranded = []
    for heading, caption in pairs:
        at = next(i for i, text in enumerate(pages) if heading in text)
        found = next((i for i, text in enumerate(pages[at:], start=at) if caption in text), None)
        if found != at:
            stranded.append((heading, at + 1, found + 1 if found is not None else None))
    assert stranded == []


def test_the_word_file_has_the_headings_tables_and_alt_texts_of_the_page(report_dir):
    page = _page(report_dir)
    with zipfile.ZipFile(report_dir / "round_report.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
        media = [n for n in docx.namelist() if n.startswith("word/media/")]
    styles = re.findall(r'<w:pStyle w:val="(Heading\d|Title)"', document)
    assert styles.count("Heading2") >= 6
    tables = document.count("<w:tbl>")
    assert tables >= len([t for t in page.tables if len(t) > 1]) - 1
    alts = re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', document)
    unescape = __import__("html").unescape
    assert sorted(unescape(a) for a in alts) == sorted(page.alts)
    assert len(media) == len(page.alts)


def test_figures_hold_each_chart_and_its_numbers_as_shown(report_dir, demo_place):
    from PIL import Image

    figures = report_dir / "figures"
    charts = json.loads((figures / "charts.json").read_text())
    page = _page(report_dir)
    assert len(charts) == len(page.alts) >= 5
    assert all(chart["problems"] == [] for chart in charts), charts
    for chart in charts:
        stem = figures / Path(chart["file"]).stem
        assert chart["alt"] in page.alts
        with Image.open(stem.with_suffix(".png")) as image:
            assert image.width >= 400 and image.height >= 200
        svg = stem.with_suffix(".svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "<text" in svg  # text stays text
        csv = pd.read_csv(stem.with_suffix(".csv"), dtype=str, keep_default_na=False)
        xlsx = pd.read_excel(stem.with_suffix(".xlsx"), dtype=str).fillna("")
        assert csv.columns.tolist() == xlsx.columns.tolist()
        assert csv.to_numpy().tolist() == xlsx.to_numpy().tolist()
        shown = [t for t in page.tables if t and t[0] == csv.columns.tolist()]
        assert shown, f"no table on the page has the columns of {stem.name}.csv"
        assert any(t[1:] == csv.to_numpy().tolist() for t in shown), stem.name
    report = build_round_report(demo_place, ROUND)
    hidden = sum(int(report.levels_for(g)["suppressed"].sum()) for g in ("sector", "role"))
    in_files = sum(
        int((pd.read_csv(next(figures.glob(f"*-by-{g}.csv")), dtype=str) == "hidden").sum().sum())
        for g in ("sector", "role")
    )
    assert hidden > 0 and in_files == hidden, "each hidden group stays hidden in the files"
    html = (report_dir / "round_report.html").read_text(encoding="utf-8")
    for chart in charts:
        assert f'href="figures/{chart["file"]}"' in html
