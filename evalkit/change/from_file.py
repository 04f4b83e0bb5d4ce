"""``evalkit trend``: assess every series in a file, with clear errors for bad input.

The file is read as ``evalkit ingest`` reads a round's files (:mod:`evalkit.data.readers`): CSV in
UTF-8, UTF-16 or Windows-1252, separated by commas, semicolons or tabs, or an Excel workbook;
column names in any case. Every problem names the file, the row as a spreadsheet shows it, the
column and the value.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit._io import jsonable
from evalkit.data.problems import Problems
from evalkit.data.readers import read_table
from evalkit.exceptions import ValidationError

__all__ = ["assess_file"]

_KEYS = [
    "shape",
    "nonlinear",
    "p_value",
    "p_adjusted",
    "breakpoints",
    "slope_before",
    "slope_after",
    "level_shift",
    "models",
    "sentence",
]


def assess_file(
    path: str | Path,
    *,
    time: str,
    value: str,
    unit: str | None = None,
    by: list[str] = (),
    sheet: str | None = None,
) -> list[dict]:
    """Assess each series (one per combination of ``by`` values) of a CSV file or workbook.

    Returns JSON-ready records: the ``by`` values, then ``shape, nonlinear, p_value, p_adjusted,
    breakpoints`` (each ``{time, low, high}``), ``slope_before, slope_after, level_shift,
    models`` (each ``{name, aic, bic}``) and ``sentence``.

    Raises
    ------
    ValidationError
        The file cannot be read, lacks a column, or a value or time cell is not a number (or,
        for the time, a date): every such cell, with its row as a spreadsheet shows it.
    """
    from evalkit.change import assess_trends

    columns = [time, value, *([unit] if unit else []), *by]
    data = _read(Path(path), columns, sheet)
    table = assess_trends(data, time=time, value=value, unit=unit, by=list(by))
    records = []
    for row in table.to_dict("records"):
        record = {column: row[column] for column in by}
        record.update({key: row[key] for key in _KEYS})
        record["models"] = [{k: m[k] for k in ("name", "aic", "bic")} for m in record["models"]]
        records.append(jsonable(record))
    return records


def _read(path: Path, columns: list[str], sheet: str | None) -> pd.DataFrame:
    """The named columns, the value as numbers and the time as numbers or dates."""
    found = Problems(str(path))
    grid = read_table(path, found, expected=columns, sheet=sheet)
    if grid is None:
        raise ValidationError(found.problems())
    cells = grid.cells
    missing = [c for c in columns if c.casefold() not in cells.columns]
    for column in missing:
        found.add(
            column,
            "is not a column of the file",
            f"The columns are: {', '.join(cells.columns)}.",
            row=1,
        )
    if found:
        raise ValidationError(found.problems())
    data = pd.DataFrame({c: cells[c.casefold()] for c in dict.fromkeys(columns)})
    time, value = columns[0], columns[1]
    numbers = pd.to_numeric(data[value].where(data[value] != ""), errors="coerce")
    found.flag(
        numbers.isna() & (data[value] != ""),
        value,
        data[value],
        "is not a number",
        "Use numbers only in the value column, or leave the cell empty.",
    )
    times = _times(data[time])
    found.flag(
        times.isna() & (data[time] != ""),
        time,
        data[time],
        "is not a number or a date",
        "Write the time as a round number, a year, a number or a date (YYYY-MM-DD).",
    )
    if found:
        raise ValidationError(found.problems())
    return data.assign(**{value: numbers, time: times}).dropna(subset=[time, value])


def _times(cells: pd.Series) -> pd.Series:
    """Numbers where every filled cell is one, else dates (NaN/NaT where a cell is neither)."""
    filled = cells.where(cells != "")
    numbers = pd.to_numeric(filled, errors="coerce")
    if numbers.notna().sum() == filled.notna().sum():
        return numbers
    return pd.to_datetime(filled, format="ISO8601", errors="coerce")
