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
from evalkit.words.numbers import format_p, join_names
from evalkit.words.programme import (
    comparison_table,
    comparison_title,
    hidden_note,
    how_to_read_programme,
    places_chart_alt,
    places_table,
    programme_overview,
)
from evalkit.words.round import (
    agreement_notes,
    box,
    change_table,
    gaps_table,
    headline,
    heatmap_alt,
    heatmap_title,
    how_to_read,
    index_table,
    levels_alt,
    levels_title,
    quality_notes,
    question_points,
    respondents_sentence,
    responses_table,
    suppression_note,
)
from evalkit.words.shapes import SHAPE_WORDS
from evalkit.words.stories import quotes_table, words_points
from evalkit.words.trajectory import (
    early_warning_note,
    events_table,
    how_to_read_trajectory,
    trajectory_overview,
    trajectory_table,
    trajectory_title,
)

__all__ = [
    "SHAPE_WORDS",
    "agreement_notes",
    "box",
    "change_table",
    "comparison_table",
    "comparison_title",
    "describe_network",
    "early_warning_note",
    "events_table",
    "format_p",
    "gaps_table",
    "headline",
    "heatmap_alt",
    "heatmap_title",
    "hidden_note",
    "how_to_read",
    "how_to_read_programme",
    "how_to_read_trajectory",
    "index_table",
    "join_names",
    "levels_alt",
    "levels_title",
    "network_points",
    "network_rounds_table",
    "network_table",
    "places_chart_alt",
    "places_table",
    "programme_overview",
    "quality_notes",
    "question_points",
    "quotes_table",
    "respondents_sentence",
    "responses_table",
    "suppression_note",
    "trajectory_overview",
    "trajectory_table",
    "trajectory_title",
    "words_points",
]
