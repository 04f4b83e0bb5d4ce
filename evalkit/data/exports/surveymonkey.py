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


def recognise(cells: pd.DataFrame) -> int | None:
    first = {c.strip().casefold() for c in cells.iloc[0]}
    ids = ({"respondent id", "collector id"} <= first) or ({"respondentid", "collectorid"} <= first)
    return 2 if ids and len(cells) > 1 else None


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
