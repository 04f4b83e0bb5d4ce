"""Shared steps of reading an export: unique column ids, the responses frame, dropped rows."""

from __future__ import annotations

import pandas as pd

from evalkit.data.exports.layout import Column, Export, is_personal

__all__ = []


def unique_ids(names: list[str]) -> list[str]:
    """Names as given, a repeated one numbered from its second use ('Q1', 'Q1#2').

    Examples
    --------
    >>> unique_ids(["Q1", "Q2", "Q1", "Q1"])
    ['Q1', 'Q2', 'Q1#2', 'Q1#3']
    """
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def kept_positions(cells: pd.DataFrame, header: list[str], header_rows: int) -> list[int]:
    """Positions of columns worth reading: named, or holding something below the header."""
    body = cells.iloc[header_rows:]
    return [
        i
        for i, name in enumerate(header)
        if name.strip() or (body.iloc[:, i].str.strip() != "").any()
    ]


def export(
    tool: str,
    cells: pd.DataFrame,
    header_rows: int,
    columns: list[Column],
    *,
    drop: dict[str, pd.Series] | None = None,
    respondent_id_column: str | None = None,
) -> Export:
    """Build the :class:`Export`: responses below the header, blank rows left out, the rows
    that ``drop`` marks (reason -> mask over the responses) removed and counted."""
    body = cells.iloc[header_rows:, [c.position for c in columns]]
    body.columns = [c.id for c in columns]
    body = body.apply(lambda column: column.str.strip())
    body = body[(body != "").any(axis=1)]
    dropped: dict[str, int] = {}
    keep = pd.Series(True, index=body.index)
    for reason, mask in (drop or {}).items():
        hit = mask.reindex(body.index, fill_value=False) & keep
        dropped[reason] = int(hit.sum())
        keep &= ~hit
    return Export(
        tool,
        header_rows,
        tuple(columns),
        body[keep],
        dropped,
        respondent_id_column,
        dropped_responses=body[~keep],
    )


def column(
    column_id: str,
    text: str,
    position: int,
    question: str = "",
    item: str = "",
    meta=False,
    kind: str = "",
) -> Column:
    personal = is_personal(column_id) or is_personal(text)
    question = question or column_id
    return Column(column_id, text, position, question, item, meta or personal, personal, kind)
