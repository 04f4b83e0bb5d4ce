"""KoboToolbox exports, CSV (often ``;``-separated) or XLSX: one header row of XML names or
labels, ``group/question`` paths, a select_multiple as one column of space-joined values and/or
one column per option (``question/option``), and Kobo's own ``_id, _uuid, _submission_time...``."""

from __future__ import annotations

import re

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
_HXL = re.compile(r"#[a-z][a-z0-9_]*(\s*\+[a-z][a-z0-9_]*)*")


def _leaf(name: str) -> str:
    return name.rsplit("/", 1)[-1].strip().casefold()


def recognise(cells: pd.DataFrame) -> int | None:
    """The header rows (1, or 2 with a row of HXL hashtags under it) of a Kobo export, else None.

    Examples
    --------
    >>> grid = pd.DataFrame([["q1", "_uuid", "_index"], ["#tag", "", ""], ["yes", "u-1", "1"]])
    >>> recognise(grid), recognise(grid.drop(index=1))
    (2, 1)
    """
    leaves = {_leaf(c) for c in cells.iloc[0]}
    if len(leaves & _MARKERS) < 2:
        return None
    return 2 if len(cells) > 1 and _is_hashtags(cells.iloc[1]) else 1


def _is_hashtags(row: pd.Series) -> bool:
    """A row of HXL hashtags: some cells '#tag +attribute', every other cell blank."""
    tagged = [c.strip() for c in row if c.strip()]
    return bool(tagged) and all(_HXL.fullmatch(c) for c in tagged)


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
        multi = is_option or any(other.startswith(f"{column_id}/") for other in present)
        kind = "multi" if multi else ""  # a select_multiple, as one column and/or one per option
        columns.append(_build.column(column_id, header[i], i, question, item, meta, kind))
    respondent = next((c.id for c in columns if _leaf(c.id) == "_uuid"), None)
    return _build.export(
        "kobotoolbox", cells, header_rows, columns, respondent_id_column=respondent
    )
