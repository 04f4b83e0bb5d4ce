"""CSV and Excel files for people to open: no cell runs as a formula, and no file is half-written.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a
leading tab or carriage return can hide such a start; a reflection typed as
``=HYPERLINK("http://...")`` would then run on a partner's laptop (CSV or formula injection).
Every CSV or Excel file evalkit writes for people goes through :func:`write_csv` or
:func:`write_xlsx`, which put a single quote before such text, as OWASP recommends.

Only text cells are changed: numbers are written as numbers, so a negative number stays a number
(a spreadsheet reads ``-3.5`` as minus three and a half, not as a formula), and so do booleans,
dates and missing values. Text that looks like a number but is held as text (``"-3"``) gets the
quote like any other text starting with ``-``. Column names and written index labels are text
cells too, and are treated the same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit._io import write_atomic

__all__ = ["FORMULA_PREFIXES", "neutralise", "write_csv", "write_xlsx"]

#: First characters that make a spreadsheet treat a text cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_labels(level) for level in index.levels])
    if pd.api.types.is_numeric_dtype(index) or pd.api.types.is_bool_dtype(index):
        return index.rename(_safe(index.name))
    return pd.Index([_safe(v) for v in index], name=_safe(index.name), tupleize_cols=False)


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which no text cell would run as a formula in a spreadsheet.

    Text cells (and column and index labels) starting with one of :data:`FORMULA_PREFIXES` get a
    single quote in front; everything else, numbers included, is left as it is.

    Examples
    --------
    >>> frame = pd.DataFrame({"text": ["=1+1", "-note", "fine"], "n": [-3, 0, 4]})
    >>> neutralise(frame)["text"].tolist(), neutralise(frame)["n"].tolist()
    (["'=1+1", "'-note", 'fine'], [-3, 0, 4])
    """
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        if pd.api.types.is_datetime64_any_dtype(column) or isinstance(
            column.dtype, pd.PeriodDtype | pd.IntervalDtype
        ):
            continue
        safe.isetitem(position, column.map(_safe))
    safe.columns = _safe_labels(safe.columns)
    safe.index = _safe_labels(safe.index)
    return safe


def write_csv(
    frame: pd.DataFrame, path: str | Path, *, index: bool = False, encoding: str = "utf-8-sig"
) -> Path:
    """Write ``frame`` as a CSV file for people to open, neutralised and atomically.

    Parameters
    ----------
    frame : DataFrame
        The table; it is not modified.
    path : str or Path
        Where to write. A file already there is replaced only once the new one is complete.
    index : bool
        Write the index as the first column(s).
    encoding : str
        ``utf-8-sig`` by default: the byte-order mark makes Excel read UTF-8 (accents, the pound
        sign) correctly.

    Notes
    -----
    Lines end with CR LF (RFC 4180), so that a cell holding a line break of either kind is
    quoted: unquoted, ``"x\r=1+1"`` would start a new row with a formula.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_csv(pd.DataFrame({"text": ["@SUM(A1)"], "n": [-2]}), Path(tmp) / "a.csv")
    ...     path.read_bytes().decode("utf-8-sig")
    "text,n\\r\\n'@SUM(A1),-2\\r\\n"
    """
    safe = neutralise(frame)
    return write_atomic(
        path,
        lambda temp: safe.to_csv(temp, index=index, encoding=encoding, lineterminator="\r\n"),
    )


def write_xlsx(
    frame: pd.DataFrame, path: str | Path, *, sheet_name: str = "Sheet1", index: bool = False
) -> Path:
    """Write ``frame`` as an Excel workbook for people to open, neutralised and atomically.

    Text cells are written as text, never as formulas; numbers, booleans and dates keep their
    types. Needs openpyxl.

    Parameters
    ----------
    frame : DataFrame
        The table; it is not modified.
    path : str or Path
        Where to write (``.xlsx``). A file already there is replaced only once the new one is
        complete.
    sheet_name : str
        The worksheet's name.
    index : bool
        Write the index as the first column(s).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ImportError
        If openpyxl is not installed.
    """
    try:
        import openpyxl  # noqa: F401
    except ImportError as err:
        raise ImportError("Writing Excel files needs openpyxl: pip install openpyxl") from err
    safe = neutralise(frame)

    def write(temp: Path) -> None:
        with pd.ExcelWriter(temp, engine="openpyxl") as writer:
            safe.to_excel(writer, sheet_name=sheet_name, index=index)

    return write_atomic(path, write)
