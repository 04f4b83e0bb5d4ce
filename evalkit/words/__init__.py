"""Every sentence and label the reports print, in one place (ready for another language).

:mod:`~evalkit.words.shapes` is the one vocabulary of shapes; :mod:`~evalkit.words.numbers`
formats numbers and p-values; :mod:`~evalkit.words.trends` writes the change engine's sentence
for a trajectory; :mod:`~evalkit.words.round`, :mod:`~evalkit.words.trajectory`,
:mod:`~evalkit.words.network` and :mod:`~evalkit.words.stories` write the reports' sentences and
readable tables. Nothing here reads raw ratings: every number comes from a table that has
already been checked against the privacy threshold.
"""

from importlib import import_module

# Each name is imported from its module when first used, so that reading one word costs little.
_MODULES = {
    "SHAPE_WORDS": "evalkit.words.shapes",
    "agreement_notes": "evalkit.words.round",
    "behaviour_alt": "evalkit.words.trajectory",
    "behaviour_numbers": "evalkit.words.trajectory",
    "box": "evalkit.words.round",
    "change_table": "evalkit.words.round",
    "comparison_table": "evalkit.words.programme",
    "comparison_title": "evalkit.words.programme",
    "describe_network": "evalkit.words.network",
    "distribution_alt": "evalkit.words.round",
    "distribution_numbers": "evalkit.words.round",
    "early_warning_note": "evalkit.words.trajectory",
    "events_table": "evalkit.words.trajectory",
    "format_p": "evalkit.words.numbers",
    "gaps_table": "evalkit.words.round",
    "group_numbers": "evalkit.words.round",
    "headline": "evalkit.words.round",
    "heatmap_alt": "evalkit.words.round",
    "heatmap_title": "evalkit.words.round",
    "hidden_note": "evalkit.words.programme",
    "how_to_read": "evalkit.words.round",
    "how_to_read_programme": "evalkit.words.programme",
    "how_to_read_trajectory": "evalkit.words.trajectory",
    "index_table": "evalkit.words.round",
    "join_names": "evalkit.words.numbers",
    "levels_alt": "evalkit.words.round",
    "levels_numbers": "evalkit.words.round",
    "levels_title": "evalkit.words.round",
    "moves_alt": "evalkit.words.trajectory",
    "moves_numbers": "evalkit.words.trajectory",
    "network_alt": "evalkit.words.network",
    "network_points": "evalkit.words.network",
    "network_rounds_table": "evalkit.words.network",
    "network_table": "evalkit.words.network",
    "places_chart_alt": "evalkit.words.programme",
    "places_numbers": "evalkit.words.programme",
    "places_table": "evalkit.words.programme",
    "programme_overview": "evalkit.words.programme",
    "quality_notes": "evalkit.words.round",
    "question_points": "evalkit.words.round",
    "quotes_table": "evalkit.words.stories",
    "respondents_sentence": "evalkit.words.round",
    "responses_table": "evalkit.words.round",
    "sector_ties": "evalkit.words.network",
    "shape_label": "evalkit.words.shapes",
    "story_numbers": "evalkit.words.stories",
    "suppression_note": "evalkit.words.round",
    "trajectories_alt": "evalkit.words.trajectory",
    "trajectories_numbers": "evalkit.words.trajectory",
    "trajectory_overview": "evalkit.words.trajectory",
    "trajectory_table": "evalkit.words.trajectory",
    "trajectory_title": "evalkit.words.trajectory",
    "words_points": "evalkit.words.stories",
}

__all__ = sorted(_MODULES)


def __getattr__(name: str):
    if name in _MODULES:
        return getattr(import_module(_MODULES[name]), name)
    raise AttributeError(f"module 'evalkit.words' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_MODULES})
