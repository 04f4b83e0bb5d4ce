"""The ratings file: ``respondent_id, organisation, role`` and one column per behaviour."""

from __future__ import annotations

import pandas as pd

from evalkit.config import Place
from evalkit.data.checks.cells import (
    OTHER_ROUND_HINT,
    check_organisations,
    check_respondents,
    check_roles,
    check_round_column,
    rating_answers,
    whole_numbers,
)

__all__ = []


def check(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    fw = place.framework
    check_round_column(found, frame, round_number, OTHER_ROUND_HINT.format(n=round_number))
    check_respondents(found, frame, unique=True)
    organisation = check_organisations(found, frame, "organisation", place)
    role = check_roles(found, frame, place)
    behaviours = [b for b in fw.behaviour_ids if b in frame]
    long = frame[behaviours].melt(var_name="behaviour", value_name="rating", ignore_index=False)
    long["rating"] = long["rating"].astype(str)  # str even when no behaviour column is there
    hint = (
        f"Use a whole number from {fw.scale_min} to {fw.scale_max}; leave the cell blank, or "
        "write 'Don't know' or 'N/A', for no answer."
    )
    answers = rating_answers(
        found, long["rating"], long["behaviour"], fw, place.allow_fraction_ratings
    )
    rating = whole_numbers(
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
