"""A report's charts and tables: shown with their numbers, and saved for people to reuse.

:class:`Figures` shows each chart as an image with a short alt text and, beside it, the same
numbers as an accessible table ("Show the numbers"). Given a folder (a report run by ``evalkit
run`` gets ``figures/``), it also saves each chart as PNG and SVG and each chart's numbers, and
each table, as CSV and Excel (formula-safe, :mod:`evalkit.data.export`), named in report order by
section (``03-levels.png``), and links them from the page. ``charts.json`` there records, for each
chart, what :func:`evalkit.plots.style.chart_problems` found (nothing, in evalkit's own reports).

The tables shown and saved are the ones given: pass the privacy-checked tables a report holds,
and a hidden group stays hidden in every copy.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pandas as pd

from evalkit.reports.display import show_table, table_html

__all__ = ["MAX_ALT_CHARACTERS", "Figures"]

#: The longest alt text: one or two sentences, read out in a breath; the numbers are in the table.
MAX_ALT_CHARACTERS = 250
_PNG_DPI = 150  # 1.5 pixels per CSS pixel at evalkit.plots.style.DISPLAY_DPI


class Figures:
    """The charts and tables of one report, in order.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import tempfile
    >>> fig, ax = plt.subplots(figsize=(4, 2))
    >>> _ = ax.plot([1, 2, 3], [5.0, 6.1, 6.4])
    >>> numbers = pd.DataFrame({"Round": [1, 2, 3], "Average": [5.0, 6.1, 6.4]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     figures = Figures(folder)
    ...     html = figures.chart_html(fig, name="Trust over time", alt="Trust rose.",
    ...                               numbers=numbers, caption="Average trust by round")
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['01-trust-over-time.csv', '01-trust-over-time.png', '01-trust-over-time.svg', \
'01-trust-over-time.xlsx', 'charts.json']
    >>> 'alt="Trust rose."' in html and "<summary>Show the numbers</summary>" in html
    True
    """

    def __init__(self, folder: str | Path = ""):
        self.folder = Path(folder) if str(folder) else None
        # the links' start: the folder as given, relative to the page (the notebook's folder)
        self._href = ""
        if self.folder is not None:
            self._href = (
                self.folder.as_uri() if self.folder.is_absolute() else self.folder.as_posix()
            )
        self._count = 0
        self._charts: list[dict] = []

    def chart(self, fig, **options) -> None:
        """Show a chart, its numbers beside it, and links to its files: the HTML of
        :meth:`chart_html`, which takes the same arguments."""
        from IPython.display import HTML, display

        display(HTML(self.chart_html(fig, **options)))

    def chart_html(
        self,
        fig,
        *,
        name: str,
        alt: str,
        numbers: pd.DataFrame,
        caption: str,
        row_headers: bool = True,
    ) -> str:
        """A chart as HTML: the image with ``alt``, a "Show the numbers" table of ``numbers``
        with ``caption``, and links to its files when there is a folder. Closes the figure.

        Raises :class:`ValueError` for an alt text longer than :data:`MAX_ALT_CHARACTERS`.
        """
        import matplotlib.pyplot as plt

        from evalkit.plots.style import DISPLAY_DPI, chart_problems, picture_bbox

        alt = " ".join(alt.split())
        if len(alt) > MAX_ALT_CHARACTERS:
            raise ValueError(
                f"the alt text of chart '{name}' is {len(alt)} characters; keep it to "
                f"{MAX_ALT_CHARACTERS}: say what the chart shows in a sentence or two, the "
                "numbers are in the table beside it."
            )
        problems = chart_problems(fig)
        box = picture_bbox(fig)
        png = _png(fig, box)
        from PIL import Image

        width, height = Image.open(io.BytesIO(png.getvalue())).size
        shown = (round(width * DISPLAY_DPI / _PNG_DPI), round(height * DISPLAY_DPI / _PNG_DPI))
        stem = self._stem(name)
        links = ""
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{stem}.png").write_bytes(png.getvalue())
            (self.folder / f"{stem}.svg").write_text(_svg(fig, box), encoding="utf-8")
            self._save_table(numbers, stem)
            self._charts.append({"file": f"{stem}.png", "alt": alt, "problems": problems})
            self._write_manifest()
            links = self._links(stem, chart=True)
        plt.close(fig)
        data = base64.b64encode(png.getvalue()).decode("ascii")
        table = table_html(numbers, caption=caption, row_headers=row_headers)
        return (
            '<figure class="chart">'
            f'<img src="data:image/png;base64,{data}" alt="{_escape(alt)}" '
            f'width="{shown[0]}" height="{shown[1]}">'
            f"<figcaption>{_escape(caption)}</figcaption>"
            f"<details><summary>Show the numbers</summary>{table}</details>{links}</figure>"
        )

    def table(
        self,
        table: pd.DataFrame,
        *,
        name: str,
        caption: str = "",
        empty: str = "Nothing to show.",
        row_headers: bool = True,
    ) -> None:
        """Show a table (or ``empty`` when it has no rows), saved as CSV and Excel with links."""
        links = ""
        if self.folder is not None and not table.empty:
            stem = self._stem(name)
            self.folder.mkdir(parents=True, exist_ok=True)
            self._save_table(table, stem)
            links = self._links(stem, chart=False)
        show_table(table, caption=caption, empty=empty, row_headers=row_headers, after=links)

    def _stem(self, name: str) -> str:
        self._count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "figure"
        return f"{self._count:02d}-{slug}"

    def _save_table(self, table: pd.DataFrame, stem: str) -> None:
        from evalkit.data.export import write_csv, write_xlsx

        write_csv(table, self.folder / f"{stem}.csv")
        write_xlsx(table, self.folder / f"{stem}.xlsx", sheet_name=stem[:31])

    def _links(self, stem: str, *, chart: bool) -> str:
        folder = self._href
        files = f'<a href="{folder}/{stem}.csv">CSV</a> or <a href="{folder}/{stem}.xlsx">Excel</a>'
        if chart:
            return (
                f'<p class="downloads">This chart as <a href="{folder}/{stem}.png">PNG</a> or '
                f'<a href="{folder}/{stem}.svg">SVG</a>, its numbers as {files}.</p>'
            )
        return f'<p class="downloads">This table as {files}.</p>'

    def _write_manifest(self) -> None:
        from evalkit._io import write_json

        write_json(self.folder / "charts.json", self._charts)


def _png(fig, box) -> io.BytesIO:
    """The chart as a PNG of at most 256 colours: a chart has few, so the picture weighs about a
    third of the full-colour one, and median cut keeps every colour that covers an area exactly
    (only the shades of anti-aliased edges merge)."""
    from PIL import Image

    drawn = io.BytesIO()
    fig.savefig(drawn, format="png", dpi=_PNG_DPI, bbox_inches=box)
    picture = Image.open(drawn).convert("RGB")
    few = picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    png = io.BytesIO()
    few.save(png, format="PNG", optimize=True)
    return png


def _svg(fig, box) -> str:
    """The chart as SVG, its text kept as text (to edit and to find), every coordinate to two
    decimals: a hundredth of a point is invisible, and six-decimal numbers in a file that is
    shared could match a survey's latitudes or other personal numbers by chance."""
    import matplotlib.pyplot as plt

    out = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(out, format="svg", bbox_inches=box)
    return re.sub(r"(\d+\.\d\d)\d+", r"\1", out.getvalue())


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)
