"""evalkit's errors: one small hierarchy, so the CLI can turn any of them into a clear message."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["EvalkitError", "Problem", "ValidationError", "StoreError", "RunError"]


class EvalkitError(Exception):
    """Base class for every error evalkit raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``row`` is the row number as a spreadsheet shows it (the header is row 1), or None when the
    problem is with the whole file or a column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    hint: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        value = "" if self.value is None else f" (value: {self.value!r})"
        return f"{', '.join(where)}: {self.message}{value}. {self.hint}"

    def to_dict(self) -> dict:
        return asdict(self)


class ValidationError(EvalkitError):
    """Input that cannot be accepted; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found:\n{lines}")


class StoreError(EvalkitError):
    """The store refuses an operation (e.g. a different file for a round already ingested)."""


class RunError(EvalkitError):
    """A report could not be run (missing round, bad parameter, failed notebook)."""
