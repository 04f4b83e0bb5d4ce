"""Google Forms exports (the response sheet, downloaded): ``Timestamp``, then each question's
title; a grid's rows are columns ``Question [Row]``."""

from __future__ import annotations

import re

import pandas as pd

from evalkit.data.exports import _build
from evalkit.data.exports.layout import Export

__all__ = ["recognise", "read"]

#: "Timestamp" as Google Sheets writes it in the form's language.
_TIMESTAMP = {
    "timestamp",
    "marca temporal",
    "horodateur",
    "zeitstempel",
    "carimbo de data/hora",
    "informazioni cronologiche",
    "tijdstempel",
    "marca de temps",
}
_META = _TIMESTAMP | {"email address", "email", "score", "e-mail address"}
_GRID = re.compile(r"^(?P<question>.+?)\s*\[(?P<row>[^\[\]]+)\]$")


def recognise(cells: pd.DataFrame) -> int | None:
    return 1 if cells.iloc[0, 0].strip().casefold() in _TIMESTAMP else None


def read(cells: pd.DataFrame, header_rows: int) -> Export:
    header = [c.strip() for c in cells.iloc[0]]
    positions = _build.kept_positions(cells, header, header_rows)
    ids = _build.unique_ids([header[i] for i in positions])
    columns = []
    for column_id, i in zip(ids, positions, strict=True):
        grid = _GRID.match(header[i])
        question, item = (grid.group("question"), grid.group("row")) if grid else (column_id, "")
        meta = header[i].casefold() in _META
        columns.append(_build.column(column_id, header[i], i, question, item, meta))
    return _build.export("google_forms", cells, header_rows, columns)
