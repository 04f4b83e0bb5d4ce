"""``evalkit trend``: assess every series in a CSV file, with clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit._io import jsonable
from evalkit.exceptions import Problem, ValidationError

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
    "direction",
    "rounds_needed",
    "changes",
    "parts",
    "models",
    "sentence",
]


def assess_file(
    path: str | Path, *, time: str, value: str, unit: str | None = None, by: list[str] = ()
) -> list[dict]:
    """Assess each series (one per combination of ``by`` values) of a CSV file.

    Returns JSON-ready records: the ``by`` values, then ``shape, nonlinear, p_value, p_adjusted,
    breakpoints`` (each ``{time, low, high}``), ``slope_before, slope_after, level_shift`` (per
    ``time_unit``: a month or a year when the times are dates, counted from the first),
    ``direction, rounds_needed, changes, parts, models`` (each ``{name, aic, bic}``) and
    ``sentence``.
    """
    from evalkit.change import assess_trends

    path = Path(path)
    data = _read(path, [time, value, *([unit] if unit else []), *by])
    values = pd.to_numeric(data[value], errors="coerce")
    bad = values.isna() & data[value].notna()
    if bad.any():
        raise ValidationError(
            [
                Problem(
                    str(path),
                    int(i) + 2,
                    value,
                    str(data.at[i, value]),
                    "is not a number",
                    "Use numbers only in the value column, or leave the cell empty.",
                )
                for i in data.index[bad][:20]
            ]
        )
    data = data.assign(**{value: values}).dropna(subset=[value])
    table = assess_trends(data, time=time, value=value, unit=unit, by=list(by))
    records = []
    for row in table.to_dict("records"):
        record = {column: row[column] for column in by}
        record.update({key: row[key] for key in _KEYS})
        record["time_unit"] = row["assessment"].axis.unit
        record["models"] = [{k: m[k] for k in ("name", "aic", "bic")} for m in record["models"]]
        records.append(jsonable(record))
    return records


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise ValidationError(
            [
                Problem(
                    str(path), None, None, None, "file not found", "Check the path and try again."
                )
            ]
        )
    try:
        data = pd.read_csv(path, encoding="utf-8-sig", sep=None, engine="python")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise ValidationError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    None,
                    f"cannot be read ({err})",
                    "Save it as a CSV file in UTF-8.",
                )
            ]
        ) from None
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValidationError(
            [
                Problem(
                    str(path),
                    1,
                    column,
                    None,
                    "is not a column of the file",
                    f"The columns are: {', '.join(map(str, data.columns))}.",
                )
                for column in missing
            ]
        )
    return data
