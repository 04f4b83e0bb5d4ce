"""Write the catalogue's Excel workbooks (and workbook copies of CSV files) with openpyxl.

Workbooks are zip archives stamped with the time they were made, so they are written when the
tests run rather than kept in git. To look at them: ``python tests/data/bad/make_xlsx.py OUT_DIR``.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

HEADER = [
    "respondent_id",
    "organisation",
    "role",
    "shared_vision",
    "trusting_relationships",
    "power_shared",
]


def excel_value(text: str):
    """A CSV cell as Excel would store it once typed: whole numbers, numbers and dates as such.

    Examples
    --------
    >>> [excel_value(v) for v in ["7", "7.5", "", "2025-06-01", "LCC"]]
    [7, 7.5, None, datetime.datetime(2025, 6, 1, 0, 0), 'LCC']
    """
    if text == "":
        return None
    for convert in (int, float, dt.datetime.fromisoformat):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with one sheet per entry (in order), rows written from row 1."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def rows_of_csv(path: Path) -> list[list]:
    """A UTF-8 CSV file's rows, cells converted by :func:`excel_value`."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [[excel_value(cell) for cell in row] for row in csv.reader(handle)]


def write_catalogue_workbooks(folder: Path) -> list[Path]:
    """Write every workbook that catalogue.yml names into ``folder``; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    good = [
        ["P001", "Larkhill City Council", "leader", 7, 6, 5],
        ["P002", "LNT", "manager", 8, None, 6],
    ]
    notes = [["Exported from the survey tool"], ["Round 2 closed on 30 September"]]
    forms = [
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Your organisation (organisation)",
        ],
        [1, "9/1/25 10:00:00", "9/1/25 10:05:00", "anonymous", "", "Larkhill City Council"],
    ]
    written = [
        write_workbook(folder / "export-forms-wrong-sheet.xlsx", {"Sheet1": forms}),
        write_workbook(folder / "two-sheets.xlsx", {"Round 2": [HEADER, *good], "Notes": notes}),
        write_workbook(folder / "wrong-sheet.xlsx", {"Round 2": [HEADER, *good], "Notes": notes}),
        write_workbook(
            folder / "xlsx-errors.xlsx",
            {
                "Responses": [
                    HEADER,
                    good[0],
                    ["P002", "LNT", "manager", 11, None, 6],
                    [],  # a blank row: the rows below keep Excel's numbers
                    ["P003", "Larkhil CC", "frontline", 8, 7, 4],
                    ["P004", "Peer Voices", "frontline", 7.5, 7, 4],
                ]
            },
        ),
        write_workbook(
            folder / "xlsx-sheet-errors.xlsx",
            {
                "Notes": notes,
                "Round 2": [HEADER, good[0], ["P002", "LNT", "boss", 8, None, 6]],
                "Round 1": [HEADER, ["P001", "Nowhere", "leader", 70, 6, 5]],
            },
        ),
        write_workbook(
            folder / "xlsx-no-header.xlsx", {"Sheet1": [["Larkhill survey, round 2"], HEADER]}
        ),
    ]
    damaged = folder / "damaged.xlsx"
    damaged.write_bytes(written[0].read_bytes()[:300])  # cut short, as by a failed download
    return [*written, damaged]


if __name__ == "__main__":
    for path in write_catalogue_workbooks(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(path)
