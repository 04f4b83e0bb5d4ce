"""Check one round of input files, then load them into the store in one transaction.

:func:`check_round` finds every problem (and every warning) in every given file and writes nothing;
:func:`validate_round` raises them as one :class:`~evalkit.exceptions.ValidationError`.
:func:`ingest_round` then loads tidy rows into the store and keeps byte-for-byte copies of the files
in ``raw/round-NN/``, so that a failure at any point leaves the place folder as it was. Files may be
CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or Excel workbooks: see
:mod:`evalkit.readers`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import readers, store
from .config import Place, load_place, raw_dir, store_path
from .exceptions import Problem, StoreError, ValidationError

__all__ = [
    "KINDS",
    "COLUMNS",
    "MISSING_ANSWERS",
    "ValidatedFile",
    "ValidatedRound",
    "RoundCheck",
    "IngestResult",
    "pseudonymise",
    "check_round",
    "validate_round",
    "store_conflicts",
    "ingest_round",
]

KINDS = ("ratings", "ties", "reflections", "events", "log")
DEPTHS = ("networking", "coordinating", "cooperating", "collaborating")
VALENCES = ("positive", "negative", "mixed")
EVENT_KINDS = ("intervention", "context", "decision")
TRUST_SCALE = (1, 5)
KEY_FILE = ".evalkit-key"
MAX_PROBLEMS_PER_FILE = 200

#: Answers that mean "no answer" in a rating cell (compared ignoring case, spaces and full stops).
MISSING_ANSWERS = frozenset(
    {
        "don't know",
        "dont know",
        "do not know",
        "dk",
        "n/a",
        "not applicable",
        "prefer not to say",
        "prefer not to answer",
    }
)

#: Columns of each kind of file; a ratings file also has one column per behaviour.
COLUMNS = {
    "ratings": ("respondent_id", "organisation", "role"),
    "ties": ("respondent_id", "organisation", "partner", "depth", "trust"),
    "reflections": (
        "respondent_id",
        "organisation",
        "role",
        "behaviours",
        "valence",
        "consent",
        "text",
    ),
    "events": ("round", "date", "kind", "description"),
    "log": ("round", "date", "kind", "description"),  # the learning log: see learning_log.py
}
#: Columns a file may have besides its own (a round column is checked against --round).
OPTIONAL_COLUMNS = ("round",)


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

    def summary(self) -> str:
        """What the file holds, in words: "12 respondents, 100 ratings and 8 not answered"."""
        table, n = self.table, len(self.table)
        if self.kind == "ratings":
            given = int(table["rating"].notna().sum())
            people = table["respondent_id"].nunique()
            answered = f"{_count(given, 'rating')} and {n - given} not answered"
            return f"{_count(people, 'respondent')}, {answered}"
        if self.kind == "reflections":
            return f"{_count(n, 'reflection')}, {int(table['consent'].sum())} with consent to quote"
        return _count(n, {"ties": "tie", "events": "event", "log": "logged event"}[self.kind])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


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
            lines.append(_warning_lines(self.warnings))
        lines.append(
            "Nothing was written."
            + (" Fix the problems above and check the files again." if self.problems else "")
        )
        return "\n".join(lines)


def _warning_lines(warnings) -> str:
    n = len(warnings)
    return f"{n} warning{'s' * (n != 1)}:\n" + "\n".join(f"  - {w}" for w in warnings)


@dataclass(frozen=True)
class IngestResult:
    """What ingest did with each kind of file: ``"ingested"``, ``"unchanged"`` or ``"replaced"``.

    Examples
    --------
    >>> print(IngestResult(2, {"ratings": "replaced", "events": "unchanged"}, {"ratings": 90}))
    Round 2: ratings replaced (90 rows), events unchanged.
    """

    round_number: int
    status: dict[str, str]
    rows: dict[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    def __str__(self) -> str:
        parts = []
        for kind, status in self.status.items():
            n = self.rows.get(kind)
            parts.append(f"{kind} {status}" + ("" if n is None else f" ({n} row{'s' * (n != 1)})"))
        text = f"Round {self.round_number}: {', '.join(parts)}."
        return text + (f"\n{_warning_lines(self.warnings)}" if self.warnings else "")


# --- reading -------------------------------------------------------------------------------------


class _Problems:
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


def _read_table(content: bytes, found: _Problems, expected, sheet) -> readers.Grid | None:
    """The file's cells by column name (lower case), index = spreadsheet row; blank rows dropped.

    Returns the :class:`~evalkit.readers.Grid` with ``cells`` replaced by the named frame.
    """
    grid = readers.read_grid(content, found, expected=expected, sheet=sheet)
    if grid is None:
        return None
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
    return readers.Grid(frame, grid.description, grid.suffix, grid.delimiter)


# --- checking ------------------------------------------------------------------------------------


def _normalise(values: pd.Series) -> pd.Series:
    return values.str.casefold().str.split().str.join(" ")


def _closest(value: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(value.casefold(), list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = _closest(value, choices)
    return f"Did you mean '{close}'? " if close else ""


def _blank(found, frame, column, hint, message: str = "is blank") -> pd.Series:
    """Flag blank cells of a required column; return the mask of filled cells."""
    filled = frame[column] != ""
    found.flag(~filled, column, frame[column], message, hint)
    return filled


def _choice(
    found,
    frame,
    column,
    choices: dict,
    what: str,
    hint: str | Callable,
    blank: str = "is blank",
) -> pd.Series:
    """Map a column's spellings (case- and space-insensitive) to canonical values; flag the rest.

    ``blank`` is the message for an empty cell.
    """
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype=object)
    values = frame[column]
    canonical = _normalise(values).map(choices)
    filled = _blank(
        found, frame, column, hint if isinstance(hint, str) else f"Give the {what}.", blank
    )
    unknown = filled & canonical.isna()
    if callable(hint):
        hints = {v: hint(v) for v in values[unknown].unique()}
        hint = values.map(hints)
    found.flag(unknown, column, values, f"is not a known {what}", hint)
    return canonical


def _organisations(found, frame, column, place: Place) -> pd.Series:
    names = {s.casefold(): o.name for o in place.organisations for s in (o.name, *o.aliases)}

    def hint(value: str) -> str:
        close = _closest(value, names)
        if close:
            return (
                f"Did you mean '{names[close]}'? If so, add '{value}' as an alias of it in "
                "place.yml; if not, add the organisation to place.yml."
            )
        return "Use an organisation id, name or alias from place.yml, or add it there."

    ids = {key: org.id for key, org in place.organisation_lookup().items()}
    return _choice(found, frame, column, ids, "organisation", hint)


def _roles(found, frame, place: Place) -> pd.Series:
    spellings = {
        " ".join(s.casefold().split()): rid
        for rid, label in place.roles.items()
        for s in (rid, label)
    }

    def hint(value: str) -> str:
        close = _closest(value, spellings)
        meant = f"Did you mean '{place.roles[spellings[close]]}'? " if close else ""
        return f"{meant}Use one of the roles in place.yml: {', '.join(place.roles)}."

    return _choice(found, frame, "role", spellings, "role", hint)


def _whole_numbers(
    found, values: pd.Series, column, lo: int, hi: int, hint: str, *, scale="scale", shown=None
) -> pd.Series:
    """Whole numbers from lo to hi (blank = NaN); anything else is flagged.

    ``shown``: the cells as written, when ``values`` is a translation of them (e.g. "7/10" -> "7").
    """
    shown = values if shown is None else shown
    filled = values != ""
    numbers = pd.to_numeric(values.where(filled), errors="coerce")
    not_number = filled & numbers.isna()
    found.flag(not_number, column, shown, "is not a number", hint)
    not_whole = filled & ~not_number & (numbers % 1 != 0)
    found.flag(not_whole, column, shown, "is not a whole number", hint)
    outside = filled & ~not_number & ~not_whole & ((numbers < lo) | (numbers > hi))
    found.flag(outside, column, shown, f"is outside the {scale} ({lo} to {hi})", hint)
    return numbers.where(~(not_whole | outside))


# "10 - Fully present", "10: Fully present", "Fully present (10)" or "Fully present".
_LABELLED = r"^(?:(\d+)\s*[-:=.)\u2013\u2014]*\s*)?(.*?)(?:\s*\((\d+)\))?$"


def _plain(values: pd.Series) -> pd.Series:
    """Answers compared as labels: lower case, single spaces, straight quotes, no final stop."""
    return (
        _normalise(values.str.replace("\u2019", "'").str.replace("\u2018", "'"))
        .str.rstrip(".")
        .str.strip()
    )


def _answers(found, values: pd.Series, column, fw, allow_fractions: bool) -> pd.Series:
    """Rating cells as numbers written as text: answer labels become '' (no answer) or a number.

    "Don't know", "N/A", "Prefer not to say" (:data:`MISSING_ANSWERS`) become blank; "7/10" becomes
    "7" if the place allows it; the scale's end labels ("10 - Fully present", or the label alone)
    become their number when the framework names both ends differently. Cells that cannot be
    translated are flagged and left blank, so they are not flagged twice.
    """
    plain = _plain(values)
    text = values.where(~plain.isin(MISSING_ANSWERS), "")
    lo, hi = fw.scale_min, fw.scale_max

    fraction = values.str.extract(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+)$")
    is_fraction = fraction[0].notna()
    other_base = is_fraction & (pd.to_numeric(fraction[1], errors="coerce") != hi)
    found.flag(
        other_base,
        column,
        values,
        "is a fraction of " + fraction[1].fillna("") + f", but the scale runs from {lo} to {hi}",
        f"Write the rating as a whole number from {lo} to {hi}.",
    )
    refused = is_fraction & ~other_base & (not allow_fractions)
    found.flag(
        refused,
        column,
        values,
        "is written as a fraction, which this place does not accept",
        "Write the number alone, or add 'allow_fraction_ratings: true' to place.yml so that "
        f"'7/{hi}' is read as 7.",
    )
    text = text.where(~is_fraction, fraction[0].where(~(other_base | refused), ""))

    ends = dict(zip(_plain(pd.Series([fw.low_label, fw.high_label])), (lo, hi), strict=True))
    if len(ends) == 2 and "" not in ends:  # both ends named, differently: unambiguous
        labelled = values.str.extract(_LABELLED)
        label_value = _plain(labelled[1]).map(ends)
        number = pd.to_numeric(labelled[0].fillna(labelled[2]), errors="coerce")
        is_label = label_value.notna() & ~is_fraction
        disagree = is_label & number.notna() & (number != label_value)
        found.flag(
            disagree,
            column,
            values,
            "has a number and a scale label that disagree",
            f"Write the number alone: {lo} is '{fw.low_label}', {hi} is '{fw.high_label}'.",
        )
        mapped = label_value.astype("Int64").astype(str)
        text = text.where(~is_label, mapped.where(~disagree, ""))
    return text


def _respondents(found, frame, *, unique: bool) -> None:
    if "respondent_id" not in frame:
        return
    ids = frame["respondent_id"]
    filled = _blank(
        found,
        frame,
        "respondent_id",
        "Give every row the respondent's id (it is replaced by a keyed hash).",
    )
    if unique:
        first = ids.index.to_series().groupby(ids).transform("min")
        found.flag(
            filled & ids.duplicated(),
            "respondent_id",
            ids,
            "is already used on row " + first.astype(str) + " of this round",
            "Keep one row per respondent: remove the duplicate or correct its id.",
        )


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
        guess = _closest(column, extra)
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
            f"{_did_you_mean(column, expected)}The columns read are {', '.join(expected)}.",
        )


def _check_round_column(found, frame, round_number: int, hint: str) -> None:
    """A round column must agree with the round being ingested (blank cells are left alone)."""
    if "round" not in frame:
        return
    written = frame["round"]
    wrong = (written != "") & (pd.to_numeric(written, errors="coerce") != round_number)
    message = f"does not match the round being ingested ({round_number})"
    said = written[wrong].unique()
    if len(said) == 1 and wrong.sum() > 1 and wrong.sum() == (written != "").sum():
        found.add(
            "round",
            f"says round {said[0]} on every row, which does not match the round being "
            f"ingested ({round_number})",
            f"Check that this is the file for round {round_number} and that --round is right.",
            value=said[0],
        )
    else:
        found.flag(wrong, "round", written, message, hint)


_OTHER_ROUND = "Check that this row belongs to round {n} and that --round is right."


def _check_ratings(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    fw = place.framework
    _check_round_column(found, frame, round_number, _OTHER_ROUND.format(n=round_number))
    _respondents(found, frame, unique=True)
    organisation = _organisations(found, frame, "organisation", place)
    role = _roles(found, frame, place)
    behaviours = [b for b in fw.behaviour_ids if b in frame]
    long = frame[behaviours].melt(var_name="behaviour", value_name="rating", ignore_index=False)
    long["rating"] = long["rating"].astype(str)  # str even when no behaviour column is there
    hint = (
        f"Use a whole number from {fw.scale_min} to {fw.scale_max}; leave the cell blank, or "
        "write 'Don't know' or 'N/A', for no answer."
    )
    answers = _answers(found, long["rating"], long["behaviour"], fw, place.allow_fraction_ratings)
    rating = _whole_numbers(
        found,
        answers,
        long["behaviour"],
        fw.scale_min,
        fw.scale_max,
        hint,
        shown=long["rating"],
    )
    if found:
        return None
    sectors = {o.id: o.sector for o in place.organisations}
    people = pd.DataFrame(
        {
            "respondent_id": frame["respondent_id"],
            "organisation": organisation,
            "sector": organisation.map(sectors),
            "role": role,
        }
    )
    tidy = long.assign(rating=rating.astype(float)).join(people)
    return tidy.sort_index(kind="stable").reset_index(drop=True)


def _check_ties(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    _check_round_column(found, frame, round_number, _OTHER_ROUND.format(n=round_number))
    _respondents(found, frame, unique=False)
    organisation = _organisations(found, frame, "organisation", place)
    partner = _organisations(found, frame, "partner", place)
    if "partner" in frame:
        self_tie = organisation.notna() & (organisation == partner)
        found.flag(
            self_tie,
            "partner",
            frame["partner"],
            "is the respondent's own organisation",
            "List ties with other organisations only.",
        )
        if "respondent_id" in frame:
            pairs = pd.DataFrame({"r": frame["respondent_id"], "p": partner})
            found.flag(
                partner.notna() & pairs.duplicated(),
                "partner",
                frame["partner"],
                "is listed twice by this respondent",
                "Keep one row per partner.",
            )
    depth = _choice(
        found,
        frame,
        "depth",
        {d: d for d in DEPTHS},
        "depth of tie",
        f"Use one of: {', '.join(DEPTHS)}.",
    )
    trust = None
    if "trust" in frame:
        trust = _whole_numbers(
            found,
            frame["trust"],
            "trust",
            *TRUST_SCALE,
            "Use a whole number from 1 to 5, or leave it blank.",
            scale="trust scale",
        )
    if found:
        return None
    return pd.DataFrame(
        {
            "respondent_id": frame["respondent_id"],
            "organisation": organisation,
            "partner": partner,
            "depth": depth,
            "trust": trust.astype(float),
        }
    )


def _check_reflections(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    _check_round_column(found, frame, round_number, _OTHER_ROUND.format(n=round_number))
    _respondents(found, frame, unique=False)
    organisation = _organisations(found, frame, "organisation", place)
    role = _roles(found, frame, place)
    tags = pd.Series(dtype=str)
    if "behaviours" in frame:
        tags = frame["behaviours"].str.split(";").explode().str.strip()
        tags = tags[tags != ""]
        ids = place.framework.behaviour_ids
        unknown = ~tags.isin(ids)
        hints = {
            t: f"{_did_you_mean(t, ids)}Tag with behaviour ids separated by ';'."
            for t in tags[unknown].unique()
        }
        found.flag(
            unknown, "behaviours", tags, "has a tag that is not a behaviour id", tags.map(hints)
        )
    valence = _choice(
        found,
        frame,
        "valence",
        {v: v for v in VALENCES},
        "valence",
        f"Use one of: {', '.join(VALENCES)}.",
    )
    consent = _choice(
        found,
        frame,
        "consent",
        {"yes": True, "no": False},
        "consent answer",
        "Write yes or no: a reflection is quoted only with consent.",
        blank="has no consent answer",
    )
    if "text" in frame:
        _blank(found, frame, "text", "Add the reflection's text, or remove the row.")
    if found:
        return None
    return pd.DataFrame(
        {
            "respondent_id": frame["respondent_id"],
            "organisation": organisation,
            "sector": organisation.map({o.id: o.sector for o in place.organisations}),
            "role": role,
            "behaviours": tags.groupby(level=0).agg(";".join).reindex(frame.index, fill_value=""),
            "valence": valence,
            "consent": consent.astype(bool),
            "text": frame["text"],
        }
    )


def _check_events(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    dates = None
    if "round" in frame:
        _blank(found, frame, "round", f"Write {round_number}, the round the event belongs to.")
        _check_round_column(
            found,
            frame,
            round_number,
            f"Write {round_number}, or move the event to the file of its own round.",
        )
    if "date" in frame:
        dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
        found.flag(
            dates.isna(),
            "date",
            frame["date"],
            "is not a date",
            "Write dates as YYYY-MM-DD, e.g. 2024-03-15.",
        )
    kind = _choice(
        found,
        frame,
        "kind",
        {k: k for k in EVENT_KINDS},
        "kind of event",
        f"Use one of: {', '.join(EVENT_KINDS)}.",
    )
    if "description" in frame:
        _blank(found, frame, "description", "Say in a few words what happened.")
    if found:
        return None
    return pd.DataFrame({"date": dates.dt.date, "kind": kind, "description": frame["description"]})


_CHECKS = {
    "ratings": _check_ratings,
    "ties": _check_ties,
    "reflections": _check_reflections,
    "events": _check_events,
    "log": _check_events,
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
) -> RoundCheck:
    """Read and check a round's files, collecting every problem and warning; write nothing.

    Parameters
    ----------
    place : Place
        The place, from :func:`evalkit.config.load_place`; ``round_number`` must be one of its.
    ratings, ties, reflections, events, log : str or Path, optional
        CSV files or Excel workbooks (formats in the README); files not given are not checked.
        ``log`` is the round's learning log, written by :func:`evalkit.learning_log.log_event`,
        in the events format.
    sheet : str, optional
        The sheet to read in each workbook (required for a workbook with several sheets).

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
    for kind, path in given.items():
        if path is None:
            continue
        path = Path(path)
        found = _Problems(str(path))
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


# --- loading -------------------------------------------------------------------------------------


def pseudonymise(ids: Iterable[str], key: bytes) -> list[str]:
    """Replace respondent ids by keyed hashes: the first 16 hex digits of HMAC-SHA256(key, id).

    The same id and key always give the same hash, so respondents can be followed across rounds;
    without the key, ids cannot be recovered by hashing likely ones.

    Examples
    --------
    >>> pseudonymise(["R001", "R002", "R001"], bytes(32))
    ['52be4ad659a411e0', 'ab744b319961a3fe', '52be4ad659a411e0']
    """
    return [hmac.new(key, str(i).encode("utf-8"), hashlib.sha256).hexdigest()[:16] for i in ids]


def _key(place_dir: Path, created: list[Path]) -> bytes:
    path = place_dir / KEY_FILE
    if path.exists():
        with contextlib.suppress(ValueError):
            key = bytes.fromhex(path.read_text().strip())
            if len(key) == 32:
                return key
        raise StoreError(
            f"{path} is not a valid key: restore it from a backup (a new key "
            "would stop respondents being linked across rounds)."
        )
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    created.append(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex() + "\n")
    return key


def _active_files(con: duckdb.DuckDBPyConnection, round_number: int) -> dict[str, dict]:
    rows = con.execute("SELECT * FROM files WHERE round = ? AND active", [round_number]).df()
    return {row["kind"]: row for row in rows.to_dict("records")}


def _differs(kind: str, new: ValidatedFile, old: dict) -> str:
    return (
        f"{kind}: {new.path} (sha256 {new.sha256[:12]}) differs from the "
        f"'{old['filename']}' ingested {old['ingested_at']:%Y-%m-%d %H:%M} UTC "
        f"(sha256 {old['sha256'][:12]}, kept as {old['raw_path']})"
    )


def _plan(active: dict[str, dict], checked: ValidatedRound, replace: bool) -> dict[str, str]:
    plan, conflicts = {}, []
    for kind, new in checked.files.items():
        old = active.get(kind)
        if old is None:
            plan[kind] = "ingested"
        elif old["sha256"] == new.sha256:
            plan[kind] = "unchanged"
        elif replace:
            plan[kind] = "replaced"
        else:
            conflicts.append(f"  - {_differs(kind, new, old)}")
    if conflicts:
        raise StoreError(
            f"Round {checked.round_number} already has different files:\n"
            + "\n".join(conflicts)
            + "\nIf the new files are the right ones, use --replace "
            "(the earlier files stay in raw/)."
        )
    return plan


def _read_active(place: Place, round_number: int) -> dict[str, dict]:
    """The round's files already in the store (none if there is no store yet); read-only."""
    if not store_path(place.dir).exists():
        return {}
    con = store.connect(place.dir)
    with contextlib.closing(con), contextlib.suppress(duckdb.CatalogException):
        return _active_files(con, round_number)
    return {}


def store_conflicts(place: Place, check: RoundCheck) -> list[Problem]:
    """Warnings for checked files that differ from those already ingested for their round.

    Ingest refuses such a file unless told ``replace``; this says so before it is tried.
    """
    active = _read_active(place, check.round_number)
    return [
        Problem(
            str(new.path),
            None,
            None,
            None,
            f"is not the {kind} file already ingested for round {check.round_number} "
            f"('{active[kind]['filename']}', {active[kind]['ingested_at']:%Y-%m-%d %H:%M} UTC)",
            "Ingest refuses it unless you add --replace (the earlier file stays in raw/).",
        )
        for kind, new in check.files.items()
        if kind in active and active[kind]["sha256"] != new.sha256
    ]


def _load_kind(con, checked: ValidatedRound, kind: str, raw_path: str, key: bytes) -> int:
    """Replace the round's rows of one kind, inside the caller's transaction."""
    new = checked.files[kind]
    table = new.table.assign(round=checked.round_number)
    if "respondent_id" in table:
        ids = table["respondent_id"].unique()
        hashed = dict(zip(ids, pseudonymise(ids, key), strict=True))
        table["respondent"] = table["respondent_id"].map(hashed)
    table = table[list(store.TABLES[kind])]
    n = checked.round_number
    con.execute("UPDATE files SET active = false WHERE round = ? AND kind = ?", [n, kind])
    con.execute(f"DELETE FROM {kind} WHERE round = ?", [n])
    con.register("incoming", table)
    try:
        con.execute(f"INSERT INTO {kind} SELECT * FROM incoming")
    finally:
        con.unregister("incoming")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, true)",
        [n, kind, new.path.name, new.sha256, raw_path, now],
    )
    return len(table)


def _undo(created: list[Path]) -> None:
    for path in reversed(created):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)


def ingest_round(
    place_dir: str | Path,
    round_number: int,
    *,
    ratings,
    ties=None,
    reflections=None,
    events=None,
    log=None,
    sheet: str | None = None,
    replace: bool = False,
) -> IngestResult:
    """Check a round's files and load them into the place's store, all or nothing.

    Parameters
    ----------
    ratings, ties, reflections, events : str or Path
        The round's files (CSV or Excel workbooks); only ``ratings`` is required. Files already
        ingested with the same bytes are left as they are.
    sheet : str, optional
        The sheet to read in each workbook (required for a workbook with several sheets).
    replace : bool
        Replace files already ingested for this round by different ones (the earlier raw files
        are kept, marked inactive).

    Returns
    -------
    IngestResult
        Per kind: ``"ingested"``, ``"unchanged"`` or ``"replaced"``; and the warnings.

    Raises
    ------
    ValidationError
        If any file has problems.
    StoreError
        If a file differs from the one already ingested for its kind and round, without
        ``replace``.

    Notes
    -----
    Rows are loaded in one DuckDB transaction. Raw copies go to temporary names in
    ``raw/round-NN/`` and are renamed to ``<kind>.<12 hex of sha256>.csv`` (``.xlsx`` for a
    workbook), byte for byte as received, just before COMMIT; on any
    error the transaction is rolled back and every file and folder created is removed.
    """
    place = load_place(place_dir)
    checked = validate_round(
        place,
        round_number,
        ratings=ratings,
        ties=ties,
        reflections=reflections,
        events=events,
        log=log,
        sheet=sheet,
    )
    plan = _plan(_read_active(place, round_number), checked, replace)
    if all(status == "unchanged" for status in plan.values()):
        return IngestResult(round_number, plan, warnings=checked.warnings)
    rows = _load(place, checked, plan, replace)
    return IngestResult(round_number, plan, rows, checked.warnings)


def _load(place: Place, checked: ValidatedRound, plan: dict[str, str], replace: bool) -> dict:
    """Copy raw files and load rows for the kinds not unchanged; return rows loaded per kind."""
    round_number = checked.round_number
    target = raw_dir(place.dir, round_number)
    db = store_path(place.dir)
    created = [] if db.exists() else [db, db.with_name(db.name + ".wal")]
    renames: list[tuple[Path, Path]] = []
    try:
        key = _key(place.dir, created)
        for folder in (target.parent, target):
            if not folder.exists():
                folder.mkdir()
                created.append(folder)
        raw_paths: dict[str, str] = {}
        for kind in [kind for kind, status in plan.items() if status != "unchanged"]:
            new = checked.files[kind]
            final = target / f"{kind}.{new.sha256[:12]}{new.suffix}"
            if not final.exists():  # raw copies are never overwritten
                temp = target / f".{final.name}.{secrets.token_hex(4)}.tmp"
                created.append(temp)
                with open(temp, "xb") as handle:
                    handle.write(new.content)
                    handle.flush()
                    os.fsync(handle.fileno())
                renames.append((temp, final))
            raw_paths[kind] = final.relative_to(place.dir).as_posix()
        con = store.connect(place.dir, read_only=False)
        with contextlib.closing(con):
            try:
                con.execute("BEGIN TRANSACTION")
                store.create_tables(con)
                if _plan(_active_files(con, round_number), checked, replace) != plan:
                    raise StoreError("The store changed during ingest: run the ingest again.")
                rows = {
                    kind: _load_kind(con, checked, kind, path, key)
                    for kind, path in raw_paths.items()
                }
                # Raw copies get their final names before COMMIT, so a committed store never
                # names a file that only a hidden temporary holds. Named by content hash, a
                # copy left by a kill before COMMIT is complete and is reused next time.
                for temp, final in renames:
                    temp.rename(final)
                    created.append(final)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                raise
    except BaseException:
        _undo(created)
        raise
    return rows
