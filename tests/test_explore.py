"""explore.ipynb run by papermill in a real kernel, the reports' table of contents, and the
result objects' HTML summaries in JupyterLab."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from evalkit import load_place
from evalkit import run as runner
from evalkit.data import store
from evalkit.reports.html.export import export_html
from evalkit.reports.round import build_round_report
from evalkit.reports.trajectory import build_trajectory

EXPLORE = runner.notebook_path("explore")
REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
REMOTE_CSS = re.compile(r"(url\(|@import)\s*['\"]?\s*(https?:)?//", re.IGNORECASE)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Page(HTMLParser):
    """What the tests look at in a page: ids, every href and src, the table of contents' links,
    the h1 to h3 headings outside it (level and id, in order), and whether tags are balanced."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.urls: list[str] = []
        self.toc_links: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self.order: list[str] = []  # "toc" and "h1".."h3" in document order
        self.scripts = 0
        self.unbalanced: list[str] = []
        self._stack: list[str] = []
        self._in_toc = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in VOID:
            self._stack.append(tag)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        self.urls += [attributes[a] for a in ("href", "src") if attributes.get(a)]
        self.scripts += tag == "script"
        if tag == "nav" and "evalkit-toc" in (attributes.get("class") or "").split():
            self._in_toc = True
            self.order.append("toc")
        elif self._in_toc and tag == "a":
            self.toc_links.append(attributes.get("href", ""))
        elif not self._in_toc and tag in ("h1", "h2", "h3"):
            self.headings.append((int(tag[1]), attributes.get("id", "")))
            self.order.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self._stack or self._stack[-1] != tag:
            self.unbalanced.append(tag)
            return
        self._stack.pop()
        if tag == "nav":
            self._in_toc = False

    def close(self):
        super().close()
        self.unbalanced += self._stack


def _check_offline(page: _Page, text: str) -> None:
    assert not [url for url in page.urls if REMOTE.match(url)]
    assert not REMOTE_CSS.search(text)
    assert page.scripts == 0


def _check_toc(page: _Page) -> None:
    """A link for every h2 and h3 (once per id), in page order, each to an id on the page."""
    wanted = list(dict.fromkeys(f"#{i}" for level, i in page.headings if level in (2, 3)))
    assert wanted and all(link != "#" for link in wanted)
    assert page.toc_links == wanted
    assert all(link[1:] in page.ids for link in page.toc_links)


# --- the table of contents -------------------------------------------------------------------


def _headed_notebook(title: bool = True):
    cells = [new_markdown_cell("# Round 3 of Northbridge")] if title else []
    cells += [
        new_markdown_cell("Who answered.\n\n## Where we are\n\nText."),
        new_markdown_cell("### How people rated each behaviour"),
        new_code_cell(
            "show_markdown('### From a code cell')",
            outputs=[
                new_output(
                    "display_data",
                    data={"text/markdown": "### From a code cell", "text/plain": "<Markdown>"},
                )
            ],
        ),
        new_markdown_cell('## For whom & why: "sectors" and roles\''),
        new_markdown_cell("## Notes\n\n#### Too deep for the contents"),
        new_markdown_cell("## Notes"),  # the same id twice: linked once
        new_markdown_cell("## About the data (round 3)"),
    ]
    return new_notebook(cells=cells)


def _export(notebook, tmp_path) -> tuple[_Page, str]:
    path = tmp_path / "report.ipynb"
    nbformat.write(notebook, path)
    text = export_html(path, tmp_path / "report.html", provenance="test").read_text()
    return _Page(text), text


def test_contents_link_every_heading_once_after_the_title(tmp_path):
    page, text = _export(_headed_notebook(), tmp_path)
    _check_toc(page)
    _check_offline(page, text)
    assert not page.unbalanced
    assert len(page.toc_links) == 6  # 4 distinct h2, 2 h3; the h4 and the repeated h2 left out
    assert page.order[:3] == ["h1", "toc", "h2"]
    assert "For whom &amp; why" in text


def test_contents_come_first_without_a_title_and_not_at_all_without_headings(tmp_path):
    page, _ = _export(_headed_notebook(title=False), tmp_path)
    _check_toc(page)
    assert page.order[0] == "toc"
    bare = new_notebook(cells=[new_markdown_cell("Just words, no headings.")])
    page, text = _export(bare, tmp_path)
    assert "toc" not in page.order and "evalkit-toc" not in text.split("</style>")[-1]


# --- explore.ipynb in a real kernel ----------------------------------------------------------


def test_explore_parameters_are_typed_literals_with_help_and_no_equals_in_comments():
    import papermill

    inferred = papermill.inspect_notebook(str(EXPLORE))
    assert inferred["place"]["default"] == '"data/demo/northbridge"'
    assert inferred["place"]["inferred_type_name"] == "str"
    assert inferred["place"]["help"] == "the place folder to explore"
    notebook = nbformat.read(EXPLORE, as_version=4)
    [cell] = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert all("=" not in line.split("#", 1)[1] for line in cell.source.splitlines())


@pytest.fixture(scope="module")
def explored(demo_place, tmp_path_factory):
    """explore.ipynb executed on the demo place, and its HTML export."""
    import papermill

    out = tmp_path_factory.mktemp("explore") / "explore.ipynb"
    papermill.execute_notebook(
        str(EXPLORE),
        str(out),
        parameters={"place": str(demo_place)},
        kernel_name=runner.KERNEL_NAME,
        progress_bar=False,
        log_output=False,
        kernel_manager_class="evalkit.run.kernel.IPCKernelManager",
    )
    html_path = export_html(out, out.with_suffix(".html"))
    return nbformat.read(out, as_version=4), html_path.read_text()


def _outputs(cell, mime: str) -> list[str]:
    return [o.data[mime] for o in cell.get("outputs", []) if mime in o.get("data", {})]


class _Table(HTMLParser):
    """The header and body rows of the first HTML table."""

    def __init__(self, text: str):
        super().__init__()
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._part = ""
        self._cell: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr" and self._part == "tbody":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            if self._part == "thead":
                self.header.append(self._cell.strip())
            elif self.rows:
                self.rows[-1].append(self._cell.strip())
            self._cell = None


@pytest.mark.slow
def test_explore_shows_the_result_objects_and_a_per_round_sql_table(demo_place, explored):
    notebook, _ = explored
    place = load_place(demo_place)
    rounds = store.ingested_rounds(demo_place)
    shown = "\n".join(h for c in notebook.cells for h in _outputs(c, "text/html"))
    assert shown.count('class="evalkit-repr"') == 3  # round report, trajectory, assessment
    assert f"{place.name}: {place.round(rounds[-1]).label}" in shown
    assert "how each behaviour has changed" in shown
    assert all(label in shown for label in place.framework.labels.values())
    [sql] = [c for c in notebook.cells if "store.connect(" in c.get("source", "")]
    table = _Table(_outputs(sql, "text/html")[0])
    assert table.header[1:] == ["round", "respondents", "mean_rating", "share_unanswered"]
    assert [int(row[1]) for row in table.rows] == rounds
    assert all(int(row[2]) >= place.k_min for row in table.rows)
    [chart] = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert chart.metadata["image/png"]["alt"]


@pytest.mark.slow
def test_explore_never_shows_a_respondent_id(demo_place, explored):
    notebook, page = explored
    text = nbformat.writes(notebook)
    respondents = store.read_ratings(demo_place)["respondent"].unique()
    assert len(respondents) > 100
    assert not [r for r in respondents if r in text or r in page]


@pytest.mark.slow
def test_explored_notebook_exports_with_contents_and_nothing_remote(explored):
    _, text = explored
    page = _Page(text)
    _check_toc(page)
    _check_offline(page, text)
    assert "#Ask-the-store-in-SQL" in page.toc_links


# --- the result objects in JupyterLab --------------------------------------------------------


def _suppress_smallest_sector(demo_place, round_number: int) -> tuple[int, list, list[str]]:
    """A k_min that hides the round's smallest sector, and with it the next smallest (so that the
    first cannot be worked out from the total): (k_min, hidden labels, shown labels)."""
    report = build_round_report(demo_place, round_number)
    responses = report.responses
    sectors = responses[(responses["group_by"] == "sector") & ~responses["suppressed"]]
    counts = dict(zip(sectors["group"], sectors["respondents"].astype(int), strict=True))
    by_size = sorted(counts, key=lambda s: (counts[s], s))
    k = counts[by_size[0]] + 1
    names = report.place.sectors
    return k, [names[s] for s in by_size[:2]], [names[s] for s in by_size[2:]]


def _check_summary_html(text: str, respondents) -> _Page:
    """Balanced tags, no script, no heading (it would join a report's contents), no respondent."""
    page = _Page(text)
    assert not page.unbalanced and page.scripts == 0 and not page.headings
    assert not [r for r in respondents if r in text]
    return page


def _plain(obj) -> str:
    """What IPython shows as text/plain."""
    from IPython.lib.pretty import pretty

    return pretty(obj)


def test_round_report_html_shows_labels_and_hides_small_groups(demo_place):
    k, hidden, shown = _suppress_smallest_sector(demo_place, 6)
    report = build_round_report(demo_place, 6, k_min=k)
    text = report._repr_html_()
    _check_summary_html(text, report.ratings["respondent"].unique())
    assert all(label in text for label in report.framework.labels.values())
    assert "interconnected_whole" not in text
    assert not any(name in text for name in hidden) and all(name in text for name in shown)
    assert f"fewer than {k} answers" in text and ">Round 5</th>" in text
    plain = _plain(report)
    assert not any(name in plain for name in hidden) and len(plain) < 3000
    assert not [r for r in report.ratings["respondent"].unique() if r in plain]


def test_html_summaries_escape_every_text(demo_place):
    report = build_round_report(demo_place, 2)
    odd = dataclasses.replace(report.place, name='North<b>bridge</b> & "Co"')
    text = dataclasses.replace(report, place=odd)._repr_html_()
    assert "North&lt;b&gt;bridge&lt;/b&gt; &amp; &#34;Co&#34;" in text
    assert "<b>" not in text


@pytest.fixture(scope="module")
def small_sector_trajectory(demo_place):
    """The trajectory with k_min just above the smallest sector's size in some round."""
    counts = []
    for number in store.ingested_rounds(demo_place):
        counts.append(_suppress_smallest_sector(demo_place, number)[:2])
    k, hidden = min(counts)
    return build_trajectory(demo_place, k_min=k), hidden


def test_trajectory_and_assessment_html(demo_place, small_sector_trajectory):
    trajectory, hidden = small_sector_trajectory
    respondents = store.read_ratings(demo_place)["respondent"].unique()
    text = trajectory._repr_html_()
    _check_summary_html(text, respondents)
    labels = trajectory.framework.labels
    assert all(label in text for label in labels.values())
    assert not any(name in text for name in hidden) and "left out: fewer than" in text
    assert not any(name in _plain(trajectory) for name in hidden)
    for behaviour, row in trajectory.overall().iterrows():
        assessment = trajectory.assessment(behaviour)
        text = assessment._repr_html_()
        _check_summary_html(text, respondents)
        assert labels[behaviour] in text
        assert _Table(text).header == ["Round", "Average", "Answers", "Fitted"]
        assert len(_Table(text).rows) == len(trajectory.rounds)
        if row["nonlinear"]:
            assert "turns at round" in text
        assert _plain(assessment).startswith(labels[behaviour])
