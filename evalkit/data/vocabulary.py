"""The words of evalkit's input files: the kinds of file, their columns, and the values a cell may
hold (depths of a tie, valences, kinds of event, answers meaning "no answer").
"""

from __future__ import annotations

__all__ = [
    "COLUMNS",
    "KINDS",
    "MISSING_ANSWERS",
    "DEPTHS",
    "VALENCES",
    "EVENT_KINDS",
    "TRUST_SCALE",
    "OPTIONAL_COLUMNS",
]


KINDS = ("ratings", "ties", "reflections", "events", "log")


DEPTHS = ("networking", "coordinating", "cooperating", "collaborating")


VALENCES = ("positive", "negative", "mixed")


EVENT_KINDS = ("intervention", "context", "decision")


TRUST_SCALE = (1, 5)


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
