"""Indicators over the tidy ratings frame (one row per respondent x behaviour x round).

Every function takes ``k_min``: a group with fewer respondents than that yields a row marked
``suppressed`` whose statistics are missing, so no code path can show them.
"""

from .bootstrap import bootstrap_mean_interval
from .histograms import Histograms, counts_quantile, rating_histograms
from .levels import (
    GROUPINGS,
    LEVEL_COLUMNS,
    index_level,
    level,
    missing_share,
    rating_distribution,
    respondent_counts,
    suppress,
)

__all__ = [
    "GROUPINGS",
    "LEVEL_COLUMNS",
    "Histograms",
    "bootstrap_mean_interval",
    "counts_quantile",
    "index_level",
    "level",
    "missing_share",
    "rating_distribution",
    "rating_histograms",
    "respondent_counts",
    "suppress",
]
