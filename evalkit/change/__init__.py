"""The change engine: what shape a trajectory has taken, when it turned, and how sure we are.

With 4 to 16 rounds, evalkit first asks a calibrated question (does any non-linear shape fit
better than a straight line by more than chance and round-to-round noise allow?) and only then
describes the shape. :func:`assess_trend` does this for one series and :func:`assess_trends` for
many, adjusting for testing them together. The shapes are small classes with ``fit`` and
``predict``; :mod:`~evalkit.change.evidence` holds the tests.
"""

from .assess import TREND_COLUMNS, Assessment, assess_trend, assess_trends, to_records
from .ceiling import CeilingCheck, ceiling_check, near_bound
from .evidence import (
    MIN_BREAKPOINT_POINTS,
    DaviesResult,
    NonlinearityTest,
    benjamini_hochberg,
    between_round_variance,
    breakpoint_interval,
    davies_test,
    flexible_tau2_moments,
    nonlinearity_test,
)
from .segmented import MuggeoResult, muggeo_iteration
from .series import round_means
from .shapes import (
    SHAPES,
    Flat,
    Linear,
    SCurve,
    Segmented,
    Shape,
    ShockRecovery,
    Step,
    TwoBreakpoints,
    UShape,
    default_shapes,
)

__all__ = [
    "MIN_BREAKPOINT_POINTS",
    "SHAPES",
    "TREND_COLUMNS",
    "Assessment",
    "CeilingCheck",
    "DaviesResult",
    "Flat",
    "Linear",
    "MuggeoResult",
    "NonlinearityTest",
    "SCurve",
    "Segmented",
    "Shape",
    "ShockRecovery",
    "Step",
    "TwoBreakpoints",
    "UShape",
    "assess_trend",
    "assess_trends",
    "benjamini_hochberg",
    "between_round_variance",
    "breakpoint_interval",
    "ceiling_check",
    "davies_test",
    "default_shapes",
    "flexible_tau2_moments",
    "muggeo_iteration",
    "near_bound",
    "nonlinearity_test",
    "round_means",
    "to_records",
]
