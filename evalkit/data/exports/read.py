"""Read a survey tool's export: recognise the tool and its header rows, keep the responses."""

from __future__ import annotations

import dataclasses

from evalkit.data import readers
from evalkit.data.exports import (
    google_forms,
    kobotoolbox,
    microsoft_forms,
    native,
    qualtrics,
    surveymonkey,
)
from evalkit.data.exports.layout import Export

__all__ = ["read_export", "UNKNOWN_LAYOUT"]

# Most specific first: a Kobo export may have a "start" column, a Forms export an "ID".
_TOOLS = (qualtrics, surveymonkey, microsoft_forms, google_forms, kobotoolbox, native)

UNKNOWN_LAYOUT = "is not an export evalkit recognises"


def read_export(content: bytes, found, *, sheet: str | None = None) -> Export | None:
    """Read an export's bytes into an :class:`Export`, or report why not and return None.

    Parameters
    ----------
    content : bytes
        The file as downloaded from the tool: CSV (UTF-8, UTF-16 or Windows-1252; comma,
        semicolon or tab) or an ``.xlsx`` workbook.
    found
        Where problems go (a :class:`~evalkit.data.problems.Problems`).
    sheet : str, optional
        The workbook's sheet (required when it has several).

    Examples
    --------
    >>> from evalkit.data.problems import Problems
    >>> text = "Timestamp,How far? [Trust]\\n2024/03/01 10:00:00,7\\n"
    >>> export = read_export(text.encode(), Problems("export.csv"))
    >>> export.tool, export.header_rows, len(export.responses)
    ('google_forms', 1, 1)
    """
    grid = readers.read_grid(content, found, expected=None, sheet=sheet)
    if grid is None:
        return None
    cells = grid.cells
    for tool in _TOOLS:
        header_rows = tool.recognise(cells)
        if header_rows is not None:
            read = tool.read(cells, header_rows)
            return dataclasses.replace(read, description=grid.description, suffix=grid.suffix)
    first = " | ".join(c for c in cells.iloc[0] if c.strip())[:100]
    found.add(
        None,
        f"{UNKNOWN_LAYOUT} (its first row is not the header of a Qualtrics, SurveyMonkey, "
        "Microsoft Forms, Google Forms or KoboToolbox export, nor evalkit's own layout)",
        "Download the responses again from the survey tool as CSV or Excel with its default "
        "options and give that file unchanged, or write the round in evalkit's own layout (see "
        "'Data formats' in the README) and use --ratings.",
        row=1,
        value=first,
    )
    return None
