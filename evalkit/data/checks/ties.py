"""The ties file: ``respondent_id, organisation, partner, depth, trust``, one row per partner."""

from __future__ import annotations

import pandas as pd

from evalkit.config import Place
from evalkit.data.checks.cells import (
    OTHER_ROUND_HINT,
    check_organisations,
    check_respondents,
    check_round_column,
    choice,
    whole_numbers,
)
from evalkit.data.vocabulary import DEPTHS, TRUST_SCALE

__all__ = []


def check(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    check_round_column(found, frame, round_number, OTHER_ROUND_HINT.format(n=round_number))
    check_respondents(found, frame, unique=False)
    organisation = check_organisations(found, frame, "organisation", place)
    partner = check_organisations(found, frame, "partner", place)
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
    depth = choice(
        found,
        frame,
        "depth",
        {d: d for d in DEPTHS},
        "depth of tie",
        f"Use one of: {', '.join(DEPTHS)}.",
    )
    trust = None
    if "trust" in frame:
        trust = whole_numbers(
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
