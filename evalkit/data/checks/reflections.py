"""The reflections file: ``respondent_id, organisation, role, behaviours, valence, consent,
text``, one row per reflection.
"""

from __future__ import annotations

import pandas as pd

from evalkit.config import Place
from evalkit.data.checks.cells import (
    OTHER_ROUND_HINT,
    check_organisations,
    check_respondents,
    check_roles,
    check_round_column,
    choice,
    did_you_mean,
    flag_blank,
)
from evalkit.data.vocabulary import VALENCES

__all__ = []


def check(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    check_round_column(found, frame, round_number, OTHER_ROUND_HINT.format(n=round_number))
    check_respondents(found, frame, unique=False)
    organisation = check_organisations(found, frame, "organisation", place)
    role = check_roles(found, frame, place)
    tags = pd.Series(dtype=str)
    if "behaviours" in frame:
        tags = frame["behaviours"].str.split(";").explode().str.strip()
        tags = tags[tags != ""]
        ids = place.framework.behaviour_ids
        unknown = ~tags.isin(ids)
        hints = {
            t: f"{did_you_mean(t, ids)}Tag with behaviour ids separated by ';'."
            for t in tags[unknown].unique()
        }
        found.flag(
            unknown, "behaviours", tags, "has a tag that is not a behaviour id", tags.map(hints)
        )
    valence = choice(
        found,
        frame,
        "valence",
        {v: v for v in VALENCES},
        "valence",
        f"Use one of: {', '.join(VALENCES)}.",
    )
    consent = choice(
        found,
        frame,
        "consent",
        {"yes": True, "no": False},
        "consent answer",
        "Write yes or no: a reflection is quoted only with consent.",
        blank="has no consent answer",
    )
    if "text" in frame:
        flag_blank(found, frame, "text", "Add the reflection's text, or remove the row.")
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
