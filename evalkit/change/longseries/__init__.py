"""Long series (a monthly pulse survey, 20 points or more): change points and early-warning
signals, which need more time points than a place's rounds give."""

from evalkit.change.longseries.changepoints import (
    CHANGE_COLUMNS,
    breaks_bic,
    detect_changepoints,
    noise_variance,
    segment_means,
)
from evalkit.change.longseries.early_warning import (
    INDICATORS,
    MIN_POINTS_FOR_TESTS,
    early_warning,
    early_warning_trends,
)

__all__ = [
    "CHANGE_COLUMNS",
    "INDICATORS",
    "MIN_POINTS_FOR_TESTS",
    "breaks_bic",
    "detect_changepoints",
    "early_warning",
    "early_warning_trends",
    "noise_variance",
    "segment_means",
]
