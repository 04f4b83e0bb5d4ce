"""Microsoft Forms exports (the Excel download): ``ID, Start time, Completion time, Email, Name``,
then a column per question; a Likert question's statements are columns of their own."""

from __future__ import annotations

import pandas as pd

from evalkit.data.exports import _build
from evalkit.data.exports.layout import Export

__all__ = ["recognise", "read"]

_META = {"id", "start time", "completion time", "email", "name", "last modified time"}
_QUIZ = ("total points", "quiz feedback", "points - ", "feedback - ")


def recognise(cells: pd.DataFrame) -> int | None:
    first = [c.strip().casefold() for c in cells.iloc[0]]
    return 1 if first[:1] == ["id"] and {"start time", "completion time"} <= set(first) else None


def read(cells: pd.DataFrame, header_rows: int) -> Export:
    header = [c.strip() for c in cells.iloc[0]]
    positions = _build.kept_positions(cells, header, header_rows)
    ids = _build.unique_ids([header[i] for i in positions])
    columns = [
        _build.column(
            column_id,
            header[i],
            i,
            meta=header[i].casefold() in _META or header[i].casefold().startswith(_QUIZ),
        )
        for column_id, i in zip(ids, positions, strict=True)
    ]
    return _build.export(
        "microsoft_forms", cells, header_rows, columns, respondent_id_column=ids[0]
    )
