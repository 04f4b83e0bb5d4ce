"""Qualtrics exports: three header rows (column ids, question text, ImportId JSON, double- or
single-quoted), or the legacy two (``V1..V10`` over ``ResponseID, ResponseSet, ...``).

Matrix rows are columns ``Q5_1, Q5_2`` whose text is "Question - Row"; previews, tests and spam
are dropped by ``Status`` (text or code) and ``DistributionChannel``.
"""

from __future__ import annotations

import dataclasses
import os
import re

import pandas as pd

from evalkit.data.exports import _build
from evalkit.data.exports.layout import Column, Export

__all__ = ["recognise", "read"]

_IMPORT_ID = re.compile(r"""^\{\s*["']ImportId["']\s*:\s*["']([^"']*)["']""")
_LEGACY = [f"V{i}" for i in range(1, 11)]
# Qualtrics' own columns that are not about the person (those are found by ``is_personal``).
_META = {
    "startdate",
    "enddate",
    "status",
    "progress",
    "duration (in seconds)",
    "finished",
    "recordeddate",
    "responseid",
    "distributionchannel",
    "userlanguage",
    "responseset",
}
_QID = re.compile(r"^(QID\d+)", re.IGNORECASE)
_TEXT_ENTRY = re.compile(r"[-_]TEXT$", re.IGNORECASE)
_ITEM = re.compile(r"^(?P<question>.+?)(?:_(?P<number>\d+))?(?P<text>_TEXT)?$")
# Status as text or as its code: 1 preview, 2 test, 8 spam, 9 preview spam, 12 imported spam.
_STATUS = {
    "survey preview": "preview",
    "1": "preview",
    "survey test": "test",
    "2": "test",
    "spam": "spam",
    "8": "spam",
    "preview spam": "spam",
    "survey preview spam": "spam",
    "9": "spam",
    "imported spam": "spam",
    "12": "spam",
}
_CHANNEL = {"preview": "preview", "test": "test"}


def recognise(cells: pd.DataFrame) -> int | None:
    """The number of header rows if this is a Qualtrics export, else None."""
    first = [c.strip() for c in cells.iloc[0]]
    if len(cells) >= 3 and sum(bool(_IMPORT_ID.match(c)) for c in cells.iloc[2]) >= 2:
        return 3
    second = [c.strip() for c in cells.iloc[1]] if len(cells) > 1 else []
    if first[:10] == _LEGACY and "ResponseID" in second[:10]:
        return 2
    lowered = {c.casefold() for c in first}
    if {"responseid", "startdate"} <= lowered and "response id" in {c.casefold() for c in second}:
        return 2
    return None


def read(cells: pd.DataFrame, header_rows: int) -> Export:
    header = [c.strip() for c in cells.iloc[0]]
    texts = [c.strip() for c in cells.iloc[1]]
    legacy = header[:10] == _LEGACY
    imports = [c.strip() for c in cells.iloc[2]] if header_rows == 3 else [""] * len(header)
    positions = _build.kept_positions(cells, header, header_rows)
    ids = _build.unique_ids([header[i] or f"column {i + 1}" for i in positions])
    columns, qids = [], []
    for column_id, i in zip(ids, positions, strict=True):
        name = texts[i] if legacy and i < 10 else header[i]
        match = _IMPORT_ID.match(imports[i])
        import_id = match.group(1) if match else ""
        meta = (
            not import_id.upper().startswith("QID") or "Topics" in import_id
            if match
            else name.casefold() in _META or name.startswith("Q_") or (legacy and i < 10)
        )
        kind = "text" if _TEXT_ENTRY.search(import_id) else ""
        question, item = _question(header[i], texts[i])
        columns.append(_build.column(column_id, texts[i], i, question, item, meta, kind))
        qids.append(_QID.match(import_id))
    columns = _grouped_by_qid(columns, qids)
    body = cells.iloc[header_rows:]
    by_name = {(texts[i] if legacy and i < 10 else header[i]).casefold(): i for i in positions}
    drop = {}
    for name, codes in (("status", _STATUS), ("distributionchannel", _CHANNEL)):
        if name in by_name:
            values = body.iloc[:, by_name[name]].str.strip().str.casefold().map(codes)
            for reason in dict.fromkeys(codes.values()):
                drop[reason] = drop.get(reason, False) | (values == reason)
    respondent = next(
        (ids[positions.index(by_name[n])] for n in ("responseid",) if n in by_name), None
    )
    return _build.export(
        "qualtrics", cells, header_rows, columns, drop=drop, respondent_id_column=respondent
    )


def _grouped_by_qid(columns: list[Column], qids: list) -> list[Column]:
    """Columns of one Qualtrics question (one ``QID``) as one question, whatever their export
    tags: ``Q3_question_one, Q3_question_two`` are rows of one matrix, named by what they share."""
    groups: dict[str, list[int]] = {}
    for n, (column, qid) in enumerate(zip(columns, qids, strict=True)):
        if qid and not column.meta:
            groups.setdefault(qid.group(1).upper(), []).append(n)
    for members in groups.values():
        names = {columns[n].question for n in members}
        if len(members) < 2 or len(names) == 1:
            continue
        shared = os.path.commonprefix([columns[n].id for n in members]).rstrip("_-# ")
        question = shared or columns[members[0]].question
        for n in members:
            item = columns[n].item or columns[n].id.removeprefix(shared).strip("_-")
            columns[n] = dataclasses.replace(columns[n], question=question, item=item)
    return columns


def _question(column_id: str, text: str) -> tuple[str, str]:
    """A matrix row's question and row label: ``Q5_1`` with text "Rate - Trust" is (Q5, Trust)."""
    match = _ITEM.match(column_id)
    if not match or not (match.group("number") or match.group("text")):
        return column_id, ""
    item = text.rsplit(" - ", 1)[1].strip() if " - " in text else match.group("number") or ""
    if match.group("text"):
        item = f"{item} (text)".strip()
    return match.group("question"), item
