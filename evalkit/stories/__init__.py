"""Stories: reflections tagged by behaviour and tone, counted, compared and quoted.

:mod:`~evalkit.stories.counts` counts reflections by behaviour and valence per round,
:mod:`~evalkit.stories.shifts` finds where the mix turned and where numbers and words disagree,
and :mod:`~evalkit.stories.quotes` picks consented quotes, masked and attributed by the rules
of :mod:`evalkit.privacy`.
"""

from evalkit.stories.counts import VALENCES, story_counts
from evalkit.stories.quotes import MAX_QUOTE_CHARS, select_quotes
from evalkit.stories.shifts import (
    RATING_THRESHOLD,
    SHIFT_THRESHOLD,
    numbers_and_words,
    valence_shift,
)

__all__ = [
    "MAX_QUOTE_CHARS",
    "RATING_THRESHOLD",
    "SHIFT_THRESHOLD",
    "VALENCES",
    "numbers_and_words",
    "select_quotes",
    "story_counts",
    "valence_shift",
]
