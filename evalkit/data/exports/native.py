"""evalkit's own ratings layout (``respondent_id, organisation, role`` and a column per
behaviour), recognised so that ``inspect`` can say what it is."""

from __future__ import annotations

import pandas as pd

from evalkit.data.exports import _build
from evalkit.data.exports.layout import Export

__all__ = ["recognise", "read"]


def recognise(cells: pd.DataFrame) -> int | None:
    first = {c.strip().casefold() for c in cells.iloc[0]}
    return 1 if {"respondent_id", "organisation"} <= first else None


def read(cells: pd.DataFrame, header_rows: int) -> Export:
    header = [c.strip().casefold() for c in cells.iloc[0]]
    positions = _build.kept_positions(cells, header, header_rows)
    ids = _build.unique_ids([header[i] for i in positions])
    columns = [
        _build.column(column_id, column_id, i) for column_id, i in zip(ids, positions, strict=True)
    ]
    return _build.export(
        "evalkit", cells, header_rows, columns, respondent_id_column="respondent_id"
    )
