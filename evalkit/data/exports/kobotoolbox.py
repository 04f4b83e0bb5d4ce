"""KoboToolbox exports, CSV (often ``;``-separated) or XLSX: one header row of XML names or
labels, ``group/question`` paths, a select_multiple as one column of space-joined values and/or
one column per option (``question/option``), and Kobo's own ``_id, _uuid, _submission_time...``."""

from __future__ import annotations

import pandas as pd

from evalkit.data.exports import _build
from evalkit.data.exports.layout import Export

__all__ = ["recognise", "read"]

_MARKERS = {
    "_uuid",
    "_submission_time",
    "_validation_status",
    "__version__",
    "instanceid",
    "_index",
    "_submitted_by",
}
_META = {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid"}
_META |= {"phonenumber", "audit", "instanceid", "uuid", "instancename"}


def _leaf(name: str) -> str:
    return name.rsplit("/", 1)[-1].strip().casefold()


def recognise(cells: pd.DataFrame) -> int | None:
    leaves = {_leaf(c) for c in cells.iloc[0]}
    return 1 if len(leaves & _MARKERS) >= 2 else None


def read(cells: pd.DataFrame, header_rows: int) -> Export:
    header = [c.strip() for c in cells.iloc[0]]
    positions = _build.kept_positions(cells, header, header_rows)
    ids = _build.unique_ids([header[i] for i in positions])
    present = set(ids)
    columns = []
    for column_id, i in zip(ids, positions, strict=True):
        parent, _, option = column_id.rpartition("/")
        is_option = bool(parent) and parent in present  # q/option beside q: one column per option
        question, item = (parent, option) if is_option else (column_id, "")
        meta = _leaf(column_id).startswith("_") or _leaf(column_id) in _META
        columns.append(_build.column(column_id, header[i], i, question, item, meta))
    respondent = next((c.id for c in columns if _leaf(c.id) == "_uuid"), None)
    return _build.export(
        "kobotoolbox", cells, header_rows, columns, respondent_id_column=respondent
    )
