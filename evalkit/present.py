"""Showing words and tables in a notebook so that they export to readable HTML."""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["show_markdown", "show_points", "show_table"]


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_points(points: list[str]) -> None:
    """A bulleted list, one finding per line."""
    show_markdown("\n".join(f"- {point}" for point in points))


def show_table(table: pd.DataFrame, *, caption: str = "", empty: str = "Nothing to show.") -> None:
    """A plain HTML table without the index, or a sentence when there are no rows."""
    from IPython.display import HTML, display

    if table.empty:
        show_markdown(empty)
        return
    body = table.to_html(index=False, escape=True, border=0, classes="evalkit-table")
    if caption:
        body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    display(HTML(body))
