"""Turn a received file's bytes into a grid of text cells, whatever the survey tool exported.

The one place that knows about file formats: CSV in UTF-8 (with or without a byte-order mark),
UTF-16 or Windows-1252, separated by commas, semicolons or tabs, and Excel ``.xlsx`` workbooks.
Every cell comes back as text as written ('' for blank), indexed by the row number a spreadsheet
shows (the header is row 1), so that problems can be pointed at exactly.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["Grid", "decode_text", "named_cells", "read_grid", "read_table", "sniff_delimiter"]

# Byte-order marks, longest first (UTF-32's starts like UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_WORKBOOK = b"PK\x03\x04"  # .xlsx is a zip archive
_OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other old Office files)
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(frozen=True)
class Grid:
    """A file's cells as text, its format in words, and the file suffix its raw copy keeps.

    ``cells`` has positional columns and an index of spreadsheet row numbers (header = row 1).
    """

    cells: pd.DataFrame
    description: str
    suffix: str
    delimiter: str | None = None


def decode_text(content: bytes) -> tuple[str, str]:
    """Decode a text file: by its byte-order mark, else as strict UTF-8, else as Windows-1252.

    Returns the text (without any byte-order mark) and the encoding's name in words.

    Raises
    ------
    UnicodeDecodeError
        When the bytes are none of these (Windows-1252 leaves five byte values undefined).

    Examples
    --------
    >>> decode_text("Café".encode("utf-16"))
    ('Café', 'UTF-16')
    >>> decode_text("Café".encode("cp1252"))
    ('Café', 'Windows-1252')
    >>> decode_text(b"\\xef\\xbb\\xbfid")
    ('id', 'UTF-8 with BOM')
    """
    for bom, codec, name in _BOMS:
        if content.startswith(bom):
            return content.decode(codec), name
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return content.decode("cp1252"), "Windows-1252"


def sniff_delimiter(header: str, expected: Sequence[str]) -> str | None:
    """The delimiter (comma, semicolon or tab) that splits a header line into expected names.

    The one giving most expected column names wins; None when no delimiter gives any.

    Examples
    --------
    >>> sniff_delimiter("respondent_id;organisation;role", ["respondent_id", "organisation"])
    ';'
    >>> sniff_delimiter('"id, name"\\trole', ["id, name", "role"])
    '\\t'
    >>> sniff_delimiter("nothing here", ["respondent_id"]) is None
    True
    """
    wanted = {name.casefold() for name in expected}
    best, best_score = None, (0, 0)
    for delimiter in _DELIMITERS:
        try:
            names = next(csv.reader([header], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        hits = sum(name.strip().casefold() in wanted for name in names)
        score = (hits, len(names))
        if hits and score > best_score:
            best, best_score = delimiter, score
    return best


def read_grid(
    content: bytes, found, *, expected: Sequence[str] | None, sheet: str | None = None
) -> Grid | None:
    """Read a file's bytes into a :class:`Grid`, or report why not and return None.

    Parameters
    ----------
    content : bytes
        The file as received.
    found
        Where problems go: an object with ``add(column, message, hint, row=None, value=None)``.
    expected : sequence of str, or None
        Column names the header should hold (used to tell the delimiter). None for a survey
        tool's export, whose header is read later: the delimiter is then the one that splits the
        first line into most cells, and the first row is not checked.
    sheet : str, optional
        The sheet to read in an Excel workbook; required when it has more than one.
    """
    if content.startswith(_WORKBOOK):
        grid = _read_workbook(content, found, sheet)
        if (
            grid is not None
            and expected is not None
            and not _has_header(grid.cells.iloc[0], expected)
        ):
            _no_header(found, expected, " | ".join(c for c in grid.cells.iloc[0] if c)[:80])
            return None
        return grid
    if content.startswith(_OLD_EXCEL):
        found.add(
            None,
            "is an old-style Excel workbook (.xls), which evalkit cannot read",
            "Open it in your spreadsheet and save it as 'Excel Workbook (.xlsx)' or 'CSV UTF-8'.",
        )
        return None
    return _read_text(content, found, expected)


def _read_text(content: bytes, found, expected: Sequence[str]) -> Grid | None:
    try:
        text, encoding = decode_text(content)
    except UnicodeDecodeError as err:
        found.add(
            None,
            "could not be read as text: it is neither UTF-8 nor Windows-1252 "
            f"(byte {err.start + 1} is 0x{content[err.start]:02X})",
            "Save it from your spreadsheet as 'CSV UTF-8'.",
        )
        return None
    if "\x00" in text:
        found.add(
            None,
            "is not a plain text file (it holds zero bytes, as UTF-16 text without a byte-order "
            "mark or a binary file does)",
            "Save it from your spreadsheet as 'CSV UTF-8', or as an Excel workbook (.xlsx).",
        )
        return None
    if not text.strip():
        found.add(None, "is empty", "Export the sheet again, with its header row.")
        return None
    header = text.splitlines()[0] if text.splitlines() else ""
    delimiter = _widest_delimiter(header) if expected is None else sniff_delimiter(header, expected)
    if delimiter is None:
        _no_header(found, expected, header[:80])
        return None
    name = _DELIMITERS[delimiter]
    try:
        # header=None: column names are read by the caller, so duplicates are reported, not
        # mangled; blank lines are kept so the index stays the spreadsheet row.
        cells = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            sep=delimiter,
        ).fillna("")
    except (pd.errors.ParserError, ValueError) as err:
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(err))
        if unclosed:
            found.add(
                None,
                'has a quote mark (") that is opened and never closed',
                "Close the quote, or remove it.",
                int(unclosed.group(1)) + 1,
            )
        elif ragged:
            n_header, row, n_cells = map(int, ragged.groups())
            found.add(
                None,
                f"has {n_cells} cells but the header has {n_header}",
                f"Remove the extra {name}s, or put quotes around cells that contain one.",
                row,
            )
        else:
            found.add(
                None,
                f"could not be read as {name}-separated text ({str(err).strip()})",
                "Check that every quote is closed.",
            )
        return None
    cells.index = cells.index + 1
    return Grid(cells, f"CSV, {encoding}, {name}-separated", ".csv", delimiter)


def _widest_delimiter(header: str) -> str:
    """The delimiter that splits a line into most cells (comma when none splits it)."""
    widths = {}
    for delimiter in _DELIMITERS:
        try:
            widths[delimiter] = len(next(csv.reader([header], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            widths[delimiter] = 0
    return max(_DELIMITERS, key=lambda d: widths[d])


def _has_header(first_row: pd.Series, expected: Sequence[str]) -> bool:
    wanted = {name.casefold() for name in expected}
    return any(str(cell).strip().casefold() in wanted for cell in first_row)


def _no_header(found, expected: Sequence[str], first_row: str) -> None:
    found.add(
        None,
        "does not have the column names on its first row",
        f"Put the header on the first row: {', '.join(expected)}.",
        row=1,
        value=first_row,
    )


def _read_workbook(content: bytes, found, sheet: str | None) -> Grid | None:
    try:
        book = pd.ExcelFile(io.BytesIO(content), engine="openpyxl")
    except ImportError:
        found.add(
            None,
            "is an Excel workbook, but openpyxl (which reads them) is not installed",
            "Install evalkit with its dependencies ('pip install -e .'), or save it as CSV UTF-8.",
        )
        return None
    except Exception as err:  # a damaged workbook fails in many ways, all meaning the same
        _damaged(found, err)
        return None
    with book:
        names = list(book.sheet_names)
        listed = ", ".join(f"'{n}'" for n in names)
        if sheet is None and len(names) > 1:
            found.add(
                None,
                f"is a workbook with {len(names)} sheets ({listed})",
                "Choose the sheet to read with --sheet NAME.",
            )
            return None
        chosen = names[0] if sheet is None else _match_sheet(sheet, names)
        if chosen is None:
            found.add(
                None,
                f"has no sheet called '{sheet}' (it has {listed})",
                "Give one of these names to --sheet.",
            )
            return None
        try:
            raw = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object, na_filter=False)
        except Exception as err:
            _damaged(found, err)
            return None
    if raw.empty:
        found.add(None, f"has nothing on sheet '{chosen}'", "Check that this is the right sheet.")
        return None
    cells = raw.map(_cell_text)
    cells.index = cells.index + 1  # openpyxl's rows start at Excel's row 1
    cells.columns = range(cells.shape[1])
    return Grid(cells, f"Excel workbook, sheet '{chosen}'", ".xlsx")


def _damaged(found, err: Exception) -> None:
    reason = str(err).strip() or type(err).__name__
    found.add(
        None,
        f"could not be opened as an Excel workbook ({reason})",
        "Open it in your spreadsheet and save it again as .xlsx, or as 'CSV UTF-8'.",
    )


def _match_sheet(sheet: str, names: list[str]) -> str | None:
    if sheet in names:
        return sheet
    folded = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV export would hold (dates as YYYY-MM-DD)."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def named_cells(grid: Grid, found) -> Grid:
    """A grid whose first row is the header, as cells by column name (lower case).

    The index stays the spreadsheet's row numbers; rows with every cell blank are dropped; a
    column named twice, or with values but no name, is reported to ``found``.

    Examples
    --------
    >>> from evalkit.data.problems import Problems
    >>> found = Problems("f.csv")
    >>> grid = read_grid(b"Year,Value\\n2020,1\\n\\n2021,2\\n", found, expected=["year"])
    >>> named_cells(grid, found).cells
       year value
    2  2020     1
    4  2021     2
    """
    cells = grid.cells
    header = [str(h).strip().casefold() for h in cells.iloc[0]]
    body = cells.iloc[1:]
    columns: dict[str, pd.Series] = {}
    for position, name in enumerate(header):
        values = body[body.columns[position]].str.strip()
        if name in columns:
            found.add(name, "appears twice in the header", "Remove or rename one of the two.")
        elif name:
            columns[name] = values
        elif (values != "").any():
            found.add(
                None,
                f"column {position + 1} has values but no header",
                "Give the column its name on row 1, or delete it.",
            )
    frame = pd.DataFrame(columns, index=body.index)
    frame = frame[(frame != "").any(axis=1)] if len(frame.columns) else frame
    return Grid(frame, grid.description, grid.suffix, grid.delimiter)


def read_table(path, found, *, expected: Sequence[str], sheet: str | None = None) -> Grid | None:
    """A file (CSV or workbook) as cells by column name, or None with the reasons in ``found``."""
    try:
        content = Path(path).read_bytes()
    except OSError as err:
        found.add(None, f"could not be read ({err.strerror})", "Check the path and try again.")
        return None
    grid = read_grid(content, found, expected=expected, sheet=sheet)
    return None if grid is None else named_cells(grid, found)
