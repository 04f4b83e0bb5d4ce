"""Collecting problems with one file, so that all of them are reported at once.

Whole-file problems are added one by one; cell problems are flagged with vectorised masks over a
column, each naming the spreadsheet row, the column, the value, what is wrong and how to fix it.
"""

from __future__ import annotations

import pandas as pd

from evalkit.exceptions import Problem

__all__ = [
    "MAX_PROBLEMS_PER_FILE",
]


MAX_PROBLEMS_PER_FILE = 200


def count_noun(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def warning_lines(warnings) -> str:
    n = len(warnings)
    return f"{n} warning{'s' * (n != 1)}:\n" + "\n".join(f"  - {w}" for w in warnings)


class Problems:
    """Problems with one file: whole-file ones, plus cells flagged by vectorised masks.

    Warnings (the file is accepted, but look) are kept apart and do not make it false.
    """

    def __init__(self, file: str):
        self.file = file
        self._whole: list[Problem] = []
        self._cells: list[pd.DataFrame] = []
        self.warnings: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self._whole or self._cells)

    def add(self, column, message: str, hint: str, row=None, value=None) -> None:
        self._whole.append(Problem(self.file, row, column, value, message, hint))

    def warn(self, column, message: str, hint: str, row=None, value=None) -> None:
        self.warnings.append(Problem(self.file, row, column, value, message, hint))

    def flag(self, mask: pd.Series, column, values: pd.Series, message, hint) -> None:
        """Flag cells where ``mask`` holds; column, message, hint: a str or a Series like mask."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        parts = {"column": column, "value": values, "message": message, "hint": hint}
        rows = mask.to_numpy()
        picked = {
            k: v.to_numpy()[rows] if isinstance(v, pd.Series) else v for k, v in parts.items()
        }
        self._cells.append(pd.DataFrame({"row": mask.index.to_numpy()[rows], **picked}))

    def problems(self) -> list[Problem]:
        found = list(self._whole)
        if self._cells:
            cells = pd.concat(self._cells, ignore_index=True).sort_values("row", kind="stable")
            found += [
                Problem(self.file, int(c.row), str(c.column), str(c.value), c.message, c.hint)
                for c in cells.head(MAX_PROBLEMS_PER_FILE).itertuples()
            ]
            more = len(self._whole) + len(cells) - len(found)
            if more > 0:
                found.append(
                    Problem(
                        self.file,
                        None,
                        None,
                        None,
                        f"has {more} more problems not listed",
                        "Fix the problems above and check the file again to see the rest.",
                    )
                )
        return found
