"""The change engine: what shape a trajectory has taken, when it turned, and how sure we are.

With 4 to 16 rounds, evalkit first asks a calibrated question (does any non-linear shape fit
better than a straight line by more than chance and round-to-round noise allow?) and only then
describes the shape. :func:`assess_trend` does this for one series and :func:`assess_trends` for
many, adjusting for testing them together. The shapes are small classes with ``fit`` and
``predict``; :mod:`~evalkit.change.variance` holds the tests.
"""

from evalkit.change import shapes
from evalkit.change.assess import TREND_COLUMNS, Assessment, assess_trend, assess_trends, to_records
from evalkit.change.ceiling import CeilingCheck, ceiling_check, near_bound
from evalkit.change.intervals import breakpoint_interval
from evalkit.change.nonlinearity import MIN_BREAKPOINT_POINTS, NonlinearityTest, nonlinearity_test
from evalkit.change.reference.davies import DaviesResult, davies_test
from evalkit.change.reference.muggeo import MuggeoResult, muggeo_iteration
from evalkit.change.series import round_means
from evalkit.change.shapes import SHAPES, default_shapes
from evalkit.change.variance import between_round_variance, flexible_tau2_moments
from evalkit.indicators.multiple_testing import benjamini_hochberg

__all__ = [
    "MIN_BREAKPOINT_POINTS",
    "SHAPES",
    "TREND_COLUMNS",
    "Assessment",
    "CeilingCheck",
    "DaviesResult",
    "MuggeoResult",
    "NonlinearityTest",
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
    "shapes",
    "to_records",
]
