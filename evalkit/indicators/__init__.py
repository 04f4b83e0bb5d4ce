"""Indicators over the tidy ratings frame (one row per respondent x behaviour x round).

Every function takes ``k_min``: a group with fewer respondents than that yields a row marked
``suppressed`` whose statistics are missing, so no code path can show them.
"""

from evalkit.indicators.agreement import (
    AGREEMENT_COLUMNS,
    agreement,
    agreement_from_counts,
    dip_from_counts,
)
from evalkit.indicators.bootstrap import bootstrap_mean_interval
from evalkit.indicators.gaps import voice_gaps, widest_gaps
from evalkit.indicators.histograms import Histograms, counts_quantile, rating_histograms
from evalkit.indicators.levels import (
    GROUPINGS,
    LEVEL_COLUMNS,
    index_level,
    level,
    rating_distribution,
)
from evalkit.indicators.quality import item_missingness, response_counts, straight_lining
from evalkit.indicators.reliability import item_rest, reliability
from evalkit.indicators.round_change import change_since_last_round
from evalkit.privacy import suppress

__all__ = [
    "AGREEMENT_COLUMNS",
    "GROUPINGS",
    "LEVEL_COLUMNS",
    "Histograms",
    "agreement",
    "agreement_from_counts",
    "bootstrap_mean_interval",
    "change_since_last_round",
    "counts_quantile",
    "dip_from_counts",
    "index_level",
    "item_missingness",
    "item_rest",
    "level",
    "rating_distribution",
    "rating_histograms",
    "reliability",
    "response_counts",
    "straight_lining",
    "suppress",
    "voice_gaps",
    "widest_gaps",
]
