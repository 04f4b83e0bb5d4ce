"""The events file (and the learning log, in the same format): ``round, date, kind,
description``."""

from __future__ import annotations

import pandas as pd

from evalkit.config import Place
from evalkit.data.checks.cells import check_round_column, choice, flag_blank
from evalkit.data.vocabulary import EVENT_KINDS

__all__ = []


def check(found, frame, place: Place, round_number: int) -> pd.DataFrame:
    dates = None
    if "round" in frame:
        flag_blank(found, frame, "round", f"Write {round_number}, the round the event belongs to.")
        check_round_column(
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
    kind = choice(
        found,
        frame,
        "kind",
        {k: k for k in EVENT_KINDS},
        "kind of event",
        f"Use one of: {', '.join(EVENT_KINDS)}.",
    )
    if "description" in frame:
        flag_blank(found, frame, "description", "Say in a few words what happened.")
    if found:
        return None
    return pd.DataFrame({"date": dates.dt.date, "kind": kind, "description": frame["description"]})
