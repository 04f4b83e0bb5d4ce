"""SurveyMonkey exports: two header rows, the question text over the run of columns it spans and,
below it, each column's row, option or "Response" / "Open-Ended Response"; often Windows-1252."""

from __future__ import annotations

import pandas as pd

from evalkit.data.exports import _build
from evalkit.data.exports.layout import Export

__all__ = ["recognise", "read"]

_META = {
    "respondent id",
    "respondentid",
    "collector id",
    "collectorid",
    "start date",
    "startdate",
    "end date",
    "enddate",
    "ip address",
    "email address",
    "first name",
    "last name",
    "lastname",
    "custom data",
    "custom data 1",
}
_WHOLE = {"", "response", "open-ended response"}
_RESPONDENT = {"respondent id", "respondentid"}


def recognise(cells: pd.DataFrame) -> int | None:
    """2 if this is a SurveyMonkey export, else None.

    Its first row names the respondent id and the collector; an export whose collector, date and
    IP columns were removed before it was shared still starts with the respondent id, over the
    "Response" (or option and row) labels of the second row.

    Examples
    --------
    >>> grid = pd.DataFrame([["RespondentID", "Seen it?", "Which?", ""],
    ...                      ["", "Response", "Film A", "Film B"]])
    >>> recognise(grid), recognise(grid.iloc[:1])
    (2, None)
    """
    if len(cells) < 2:
        return None
    first = [c.strip().casefold() for c in cells.iloc[0]]
    second = {c.strip().casefold() for c in cells.iloc[1]}
    collector = {"respondent id", "collector id"} <= set(first) or {
        "respondentid",
        "collectorid",
    } <= set(first)
    trimmed = first[0] in _RESPONDENT and not cells.iloc[1, 0].strip() and bool(second & _WHOLE)
    return 2 if collector or trimmed else None


def read(cells: pd.DataFrame, header_rows: int) -> Export:
    header = [c.strip() for c in cells.iloc[0]]
    below = [c.strip() for c in cells.iloc[1]]
    positions = _build.kept_positions(cells, header, header_rows)
    spans: list[tuple[int, str]] = []  # (position, the question text over it)
    current = ""
    for i in positions:
        current = header[i] or current
        spans.append((i, current))
    width = pd.Series([q for _, q in spans]).value_counts()
    names = []
    for i, question in spans:
        item = below[i]
        whole = width[question] == 1 and item.casefold() in _WHOLE
        names.append(question if whole or not item else f"{question} - {item}")
    ids = _build.unique_ids(names)
    columns = []
    for column_id, (i, question) in zip(ids, spans, strict=True):
        item = "" if below[i].casefold() in _WHOLE and width[question] == 1 else below[i]
        meta = question.casefold() in _META
        kind = "text" if below[i].casefold() == "open-ended response" else ""
        columns.append(_build.column(column_id, question, i, question, item, meta, kind))
    respondent = next(
        (c.id for c in columns if c.text.casefold() in _META and "respondent" in c.text.casefold()),
        None,
    )
    return _build.export(
        "surveymonkey", cells, header_rows, columns, respondent_id_column=respondent
    )
