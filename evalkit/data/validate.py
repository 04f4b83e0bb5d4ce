"""Check one round of input files, finding every problem in every file, and write nothing.

:func:`check_round` reads each file (:mod:`evalkit.data.readers`), checks its columns and cells
(:mod:`evalkit.data.checks`) and returns every problem and warning with the tidy rows of the files
that passed; :func:`validate_round` raises the problems as one
:class:`~evalkit.exceptions.ValidationError`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evalkit.config import Place
from evalkit.data import readers
from evalkit.data.checks import events as events_file
from evalkit.data.checks import ratings as ratings_file
from evalkit.data.checks import reflections as reflections_file
from evalkit.data.checks import ties as ties_file
from evalkit.data.checks.cells import closest, did_you_mean
from evalkit.data.from_export import check_export
from evalkit.data.problems import Problems, count_noun, warning_lines
from evalkit.data.vocabulary import COLUMNS, KINDS, OPTIONAL_COLUMNS
from evalkit.exceptions import Problem, ValidationError

__all__ = ["RoundCheck", "ValidatedFile", "ValidatedRound", "check_round", "validate_round"]


@dataclass(frozen=True, eq=False)
class ValidatedFile:
    """One checked input file: its bytes as read, their SHA-256, and its tidy rows (raw ids).

    ``source`` says how it was read (e.g. "CSV, UTF-16, tab-separated"); ``suffix`` is the file
    suffix its raw copy keeps (".csv" or ".xlsx").
    """

    kind: str
    path: Path
    sha256: str
    content: bytes = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    source: str = ""
    suffix: str = ".csv"
    origin: object = None  # the ExportSource (export and mapping) of a file read from an export

    def summary(self) -> str:
        """What the file holds, in words: "12 respondents, 100 ratings and 8 not answered"."""
        table, n = self.table, len(self.table)
        if self.kind == "ratings":
            given = int(table["rating"].notna().sum())
            people = table["respondent_id"].nunique()
            answered = f"{count_noun(given, 'rating')} and {n - given} not answered"
            return f"{count_noun(people, 'respondent')}, {answered}"
        if self.kind == "reflections":
            consented = int(table["consent"].sum())
            return f"{count_noun(n, 'reflection')}, {consented} with consent to quote"
        return count_noun(n, {"ties": "tie", "events": "event", "log": "logged event"}[self.kind])


@dataclass(frozen=True, eq=False)
class ValidatedRound:
    """The checked files of one round, by kind (in :data:`KINDS` order), and their warnings."""

    round_number: int
    files: dict[str, ValidatedFile]
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, eq=False)
class RoundCheck:
    """Everything :func:`check_round` found: problems (the round cannot be ingested), warnings
    (it can, but look), and the files that passed."""

    round_number: int
    place_name: str
    files: dict[str, ValidatedFile]
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        lines = []
        if self.problems:
            lines.append(str(ValidationError(list(self.problems))))
        else:
            lines.append(
                f"All good: round {self.round_number} of {self.place_name} can be ingested."
            )
            lines += [
                f"  {kind}: {f.path} ({f.source}): {f.summary()}" for kind, f in self.files.items()
            ]
        if self.warnings:
            lines.append(warning_lines(self.warnings))
        lines.append(
            "Nothing was written."
            + (" Fix the problems above and check the files again." if self.problems else "")
        )
        return "\n".join(lines)


def _read_table(content: bytes, found: Problems, expected, sheet) -> readers.Grid | None:
    """The file's cells by column name (lower case), index = spreadsheet row; blank rows dropped."""
    grid = readers.read_grid(content, found, expected=expected, sheet=sheet)
    return None if grid is None else readers.named_cells(grid, found)


def _expected_columns(kind: str, place: Place) -> list[str]:
    return [*COLUMNS[kind], *(place.framework.behaviour_ids if kind == "ratings" else [])]


def _check_columns(found, frame, kind: str, place: Place) -> None:
    """Missing columns are problems; unknown ones are warnings (kept in raw/, not loaded)."""
    behaviours = place.framework.behaviour_ids if kind == "ratings" else []
    expected = _expected_columns(kind, place)
    extra = [c for c in frame.columns if c not in expected and c not in OPTIONAL_COLUMNS]
    for column in expected:
        if column in frame:
            continue
        guess = closest(column, extra)
        hint = (
            f"The file has '{guess}': rename it to '{column}'."
            if guess
            else f"Add a '{column}' column on row 1."
        )
        what = f" (a behaviour of {place.framework.name})" if column in behaviours else ""
        found.add(column, f"is missing{what}", hint)
    for column in extra:
        found.warn(
            column,
            f"is not a column of a {kind} file: it is kept in the raw copy but not loaded",
            f"{did_you_mean(column, expected)}The columns read are {', '.join(expected)}.",
        )


#: The check of each kind of file (the learning log is in the events format).
_CHECKS = {
    "ratings": ratings_file.check,
    "ties": ties_file.check,
    "reflections": reflections_file.check,
    "events": events_file.check,
    "log": events_file.check,
}


def check_round(
    place: Place,
    round_number: int,
    *,
    ratings=None,
    ties=None,
    reflections=None,
    events=None,
    log=None,
    sheet: str | None = None,
    export=None,
    mapping=None,
) -> RoundCheck:
    """Read and check a round's files, collecting every problem and warning; write nothing.

    Parameters
    ----------
    place : Place
        The place, from :func:`evalkit.config.load_place`; ``round_number`` must be one of its.
    ratings, ties, reflections, events, log : str or Path, optional
        CSV files or Excel workbooks (formats in the README); files not given are not checked.
        ``log`` is the round's learning log, written by :func:`evalkit.data.learning_log.log_event`,
        in the events format.
    sheet : str, optional
        The sheet to read in each workbook (required for a workbook with several sheets).
    export : str or Path, optional
        A survey tool's export holding the round's ratings (and ties and reflections, where the
        mapping reads them), instead of ``ratings``, ``ties`` and ``reflections`` files.
    mapping : str or Path, optional
        The mapping file that reads ``export``; without one, the export must be of a
        questionnaire evalkit wrote (``evalkit survey``).

    Returns
    -------
    RoundCheck
        ``problems`` (file, spreadsheet row, column, value, message, hint), ``warnings`` in the
        same form, and the files without problems: bytes, hashes and tidy rows (raw ids).
    """
    given = dict(zip(KINDS, (ratings, ties, reflections, events, log), strict=True))
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if round_number not in place.round_numbers:
        problems.append(
            Problem(
                str(place.dir / "place.yml"),
                None,
                "rounds",
                str(round_number),
                f"does not list round {round_number}",
                f"Add '- {{number: {round_number}, label: \"Round {round_number}\"}}' "
                "under rounds:.",
            )
        )
    files: dict[str, ValidatedFile] = {}
    if export is not None:
        tables, origin, found_problems, found_warnings = check_export(
            place, round_number, export, mapping, sheet
        )
        problems += found_problems
        warnings += found_warnings
        if origin is not None and not found_problems:
            for kind, table in tables.items():
                files[kind] = ValidatedFile(
                    kind,
                    origin.path,
                    origin.reading,
                    origin.content,
                    table,
                    source=f"{origin.tool} export, {_described(origin)}",
                    suffix=origin.suffix,
                    origin=origin,
                )
    for kind, path in given.items():
        if path is None:
            continue
        path = Path(path)
        found = Problems(str(path))
        try:
            content = path.read_bytes()
        except OSError as err:
            found.add(None, f"could not be read ({err.strerror})", "Check the path and try again.")
            content = None
        expected = _expected_columns(kind, place)
        read = None if content is None else _read_table(content, found, expected, sheet)
        if read is not None:
            frame = read.cells
            _check_columns(found, frame, kind, place)
            if frame.empty and kind == "ratings":  # other kinds may have nothing to report
                found.add(None, "has no data rows", "Check that this is the right file.")
            table = _CHECKS[kind](found, frame, place, round_number)
        problems += found.problems()
        warnings += found.warnings
        if not found:
            sha = hashlib.sha256(content).hexdigest()
            files[kind] = ValidatedFile(
                kind, path, sha, content, table, source=read.description, suffix=read.suffix
            )
    return RoundCheck(round_number, place.name, files, tuple(problems), tuple(warnings))


def _described(origin) -> str:
    dropped = ", ".join(f"{n} {why}" for why, n in origin.dropped.items() if n)
    return (
        f"{origin.kept} responses read"
        + (f", dropped {dropped}" if dropped else "")
        + (f", read by {origin.mapping_name}")
    )


def validate_round(place: Place, round_number: int, **files) -> ValidatedRound:
    """Read and check a round's files, reporting every problem in all of them at once.

    Takes the arguments of :func:`check_round`.

    Returns
    -------
    ValidatedRound
        The files' bytes, hashes and tidy rows (respondent ids not yet hashed), and warnings.

    Raises
    ------
    ValidationError
        Listing every problem: file, spreadsheet row, column, value, message and hint.
    """
    check = check_round(place, round_number, **files)
    if check.problems:
        raise ValidationError(list(check.problems))
    return ValidatedRound(round_number, check.files, check.warnings)
