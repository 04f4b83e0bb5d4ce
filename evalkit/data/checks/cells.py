"""Checks shared by every kind of file: blanks, choices from a list (organisations, roles, depths),
whole numbers on a scale, rating answers written as labels, respondent ids and the round column.

Each check flags bad cells in a :class:`~evalkit.data.problems.Problems` and returns the cleaned
values, so a file's every problem is found in one pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

import pandas as pd

from evalkit.config import Place
from evalkit.data.vocabulary import MISSING_ANSWERS

__all__ = []


def normalise(values: pd.Series) -> pd.Series:
    return values.str.casefold().str.split().str.join(" ")


def closest(value: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(value.casefold(), list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = closest(value, choices)
    return f"Did you mean '{close}'? " if close else ""


def flag_blank(found, frame, column, hint, message: str = "is blank") -> pd.Series:
    """Flag blank cells of a required column; return the mask of filled cells."""
    filled = frame[column] != ""
    found.flag(~filled, column, frame[column], message, hint)
    return filled


def choice(
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
    canonical = normalise(values).map(choices)
    filled = flag_blank(
        found, frame, column, hint if isinstance(hint, str) else f"Give the {what}.", blank
    )
    unknown = filled & canonical.isna()
    if callable(hint):
        hints = {v: hint(v) for v in values[unknown].unique()}
        hint = values.map(hints)
    found.flag(unknown, column, values, f"is not a known {what}", hint)
    return canonical


def check_organisations(found, frame, column, place: Place) -> pd.Series:
    names = {s.casefold(): o.name for o in place.organisations for s in (o.name, *o.aliases)}

    def hint(value: str) -> str:
        close = closest(value, names)
        if close:
            return (
                f"Did you mean '{names[close]}'? If so, add '{value}' as an alias of it in "
                "place.yml; if not, add the organisation to place.yml."
            )
        return "Use an organisation id, name or alias from place.yml, or add it there."

    ids = {key: org.id for key, org in place.organisation_lookup().items()}
    return choice(found, frame, column, ids, "organisation", hint)


def check_roles(found, frame, place: Place) -> pd.Series:
    spellings = {
        " ".join(s.casefold().split()): rid
        for rid, label in place.roles.items()
        for s in (rid, label)
    }

    def hint(value: str) -> str:
        close = closest(value, spellings)
        meant = f"Did you mean '{place.roles[spellings[close]]}'? " if close else ""
        return f"{meant}Use one of the roles in place.yml: {', '.join(place.roles)}."

    return choice(found, frame, "role", spellings, "role", hint)


def whole_numbers(
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
LABELLED = r"^(?:(\d+)\s*[-:=.)\u2013\u2014]*\s*)?(.*?)(?:\s*\((\d+)\))?$"


def plain_label(values: pd.Series) -> pd.Series:
    """Answers compared as labels: lower case, single spaces, straight quotes, no final stop."""
    return (
        normalise(values.str.replace("\u2019", "'").str.replace("\u2018", "'"))
        .str.rstrip(".")
        .str.strip()
    )


def rating_answers(found, values: pd.Series, column, fw, allow_fractions: bool) -> pd.Series:
    """Rating cells as numbers written as text: answer labels become '' (no answer) or a number.

    "Don't know", "N/A", "Prefer not to say" (:data:`MISSING_ANSWERS`) become blank; "7/10" becomes
    "7" if the place allows it; the scale's end labels ("10 - Fully present", or the label alone)
    become their number when the framework names both ends differently. Cells that cannot be
    translated are flagged and left blank, so they are not flagged twice.
    """
    plain = plain_label(values)
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

    ends = dict(zip(plain_label(pd.Series([fw.low_label, fw.high_label])), (lo, hi), strict=True))
    if len(ends) == 2 and "" not in ends:  # both ends named, differently: unambiguous
        labelled = values.str.extract(LABELLED)
        label_value = plain_label(labelled[1]).map(ends)
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


def check_respondents(found, frame, *, unique: bool) -> None:
    if "respondent_id" not in frame:
        return
    ids = frame["respondent_id"]
    filled = flag_blank(
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


def check_round_column(found, frame, round_number: int, hint: str) -> None:
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


OTHER_ROUND_HINT = "Check that this row belongs to round {n} and that --round is right."
