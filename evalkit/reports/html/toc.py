"""A table of contents for the exported reports: every h2 and h3 heading, linked by its anchor.

nbconvert gives each markdown heading an id (``add_anchor``). :class:`TableOfContents` renders every
markdown cell and markdown output with nbconvert's own renderer, as the exporter will, reads the
headings and their ids from that HTML, and leaves them in ``resources["evalkit_toc"]`` for the
``evalkit_report`` template to list: plain links to ``#id``, no script.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

from nbconvert.preprocessors import Preprocessor

__all__ = ["TOC_LEVELS", "TableOfContents", "headings"]

#: Heading levels listed in the table of contents.
TOC_LEVELS = (2, 3)
_TITLE_LEVEL = 1


class _HeadingParser(HTMLParser):
    """Collects the level, id and visible text of every h1 to h6, without anchor-link marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self._open: dict | None = None
        self._skip = 0  # depth inside an anchor link ("¶") within the open heading

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" and self._open is None:
            self._open = {"level": int(tag[1]), "id": attributes.get("id") or "", "text": ""}
        elif self._open is not None and (self._skip or tag == "a" and _is_anchor(attributes)):
            self._skip += 1

    def handle_endtag(self, tag):
        if self._open is None:
            return
        if self._skip:
            self._skip -= 1
        elif tag == f"h{self._open['level']}":
            self._open["text"] = " ".join(self._open["text"].split())
            self.found.append(self._open)
            self._open = None

    def handle_data(self, data):
        if self._open is not None and not self._skip:
            self._open["text"] += data


def _is_anchor(attributes: dict) -> bool:
    return "anchor-link" in (attributes.get("class") or "").split()


def headings(html_text: str) -> list[dict]:
    """Every heading in an HTML fragment: ``{"level", "id", "text"}`` in document order.

    Examples
    --------
    >>> headings('<h2 id="Where-we-are">Where we are<a class="anchor-link" href="#Where-we-are">'
    ...          '¶</a></h2><p>text</p><h3>No id</h3>')
    [{'level': 2, 'id': 'Where-we-are', 'text': 'Where we are'}, {'level': 3, 'id': '', \
'text': 'No id'}]
    """
    parser = _HeadingParser()
    parser.feed(html_text)
    parser.close()
    return parser.found


def _markdown_html(source: str, attachments: dict | None = None) -> str:
    """Markdown rendered as the HTML exporter renders it (same renderer, so the same ids)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, attachments=attachments or {})
    return MarkdownWithMath(renderer=renderer).render(source)


def _cell_html(cell) -> Iterator[str]:
    """The HTML a cell shows: a markdown cell's text, or a code cell's rich outputs."""
    if cell.cell_type == "markdown":
        yield _markdown_html(cell.source, cell.get("attachments"))
        return
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/html" in data:  # the exporter prefers HTML over markdown
            yield _text(data["text/html"])
        elif "text/markdown" in data:
            yield _markdown_html(_text(data["text/markdown"]))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _nest(entries: list[dict]) -> list[dict]:
    """h3 entries become the ``children`` of the h2 before them."""
    tree: list[dict] = []
    for entry in entries:
        item = {"id": entry["id"], "text": entry["text"], "children": []}
        if entry["level"] > TOC_LEVELS[0] and tree:
            tree[-1]["children"].append(item)
        else:
            tree.append(item)
    return tree


class TableOfContents(Preprocessor):
    """Lists the notebook's h2 and h3 headings in ``resources["evalkit_toc"]``.

    ``resources["evalkit_toc"]`` is ``{"entries": [{"id", "text", "children"}], "after_cell":
    i}``: the table goes after cell ``i``, the one holding the report's title (its first h1, when
    that comes before every listed heading), or first on the page when ``i`` is -1. A heading
    without an id, or whose id an earlier heading already has, cannot be linked and is left out.
    The report's title heading, when there is one, also becomes ``resources["evalkit_title"]``
    (the page's ``<title>``), unless that is set already.
    """

    def preprocess(self, nb, resources):
        entries: list[dict] = []
        seen: set[str] = set()
        after_cell = -1
        for index, cell in enumerate(nb.cells):
            for html_text in _cell_html(cell):
                for heading in headings(html_text):
                    level, anchor = heading["level"], heading["id"]
                    if level == _TITLE_LEVEL and after_cell < 0 and not entries:
                        after_cell = index
                        resources.setdefault("evalkit_title", heading["text"])
                    elif level in TOC_LEVELS and anchor and anchor not in seen:
                        seen.add(anchor)
                        entries.append(heading)
        resources["evalkit_toc"] = {"entries": _nest(entries), "after_cell": after_cell}
        return nb, resources
