"""Every sentence and label the reports print, in one place (ready for another language).

:mod:`~evalkit.words.shapes` is the one vocabulary of shapes; :mod:`~evalkit.words.numbers`
formats numbers and p-values; :mod:`~evalkit.words.trends` writes the change engine's sentence
for a trajectory; :mod:`~evalkit.words.round`, :mod:`~evalkit.words.trajectory`,
:mod:`~evalkit.words.network` and :mod:`~evalkit.words.stories` write the reports' sentences and
readable tables. Nothing here reads raw ratings: every number comes from a table that has
already been checked against the privacy threshold.
"""

from evalkit.words.network import (
    describe_network,
    network_points,
    network_rounds_table,
    network_table,
)
from evalkit.words.numbers import format_p
from evalkit.words.round import (
    agreement_notes,
    change_table,
    gaps_table,
    headline,
    how_to_read,
    index_table,
    levels_title,
    quality_notes,
    question_points,
    respondents_sentence,
    suppression_note,
)
from evalkit.words.shapes import SHAPE_WORDS, shape_label
from evalkit.words.stories import quotes_table, words_points
from evalkit.words.trajectory import (
    events_table,
    trajectory_overview,
    trajectory_table,
    trajectory_title,
)

__all__ = [
    "SHAPE_WORDS",
    "agreement_notes",
    "change_table",
    "describe_network",
    "events_table",
    "format_p",
    "gaps_table",
    "headline",
    "how_to_read",
    "index_table",
    "levels_title",
    "network_points",
    "network_rounds_table",
    "network_table",
    "quality_notes",
    "question_points",
    "quotes_table",
    "respondents_sentence",
    "shape_label",
    "suppression_note",
    "trajectory_overview",
    "trajectory_table",
    "trajectory_title",
    "words_points",
]
