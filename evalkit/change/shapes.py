"""The shapes a trajectory can take: flat, straight, step, broken line, S-curve, U, shock.

Each shape is a small class in the style of ruptures: settings as keyword arguments, ``fit(t, y,
weights)`` returning ``self``, then ``predict(t)``. Once its breakpoint (or midpoint and scale) is
fixed, every shape is linear in its coefficients, which is what lets the change engine fit it on a
grid of locations for many series at once (see :mod:`evalkit.change.evidence`).

==================  =====================================================  ========  ==========
name                curve                                                  n_params  min points
==================  =====================================================  ========  ==========
``flat``            b0                                                     1         2
``linear``          b0 + b1 t                                              2         3
``step``            b0 + delta 1(t >= tau)                                 3         4
``segmented``       b0 + b1 t + d (t - psi)+                               4         5
``u_shape``         the same, with slopes b1 and b1 + d of opposite sign   4         5
``s_curve``         lower + (upper - lower) / (1 + exp(-(t - mid) / s))    4         8
``shock_recovery``  b0 + b1 t + (delta + g (t - tau)) 1(t >= tau)          5         6
``two_breakpoints`` b0 + b1 t + d1 (t - psi1)+ + d2 (t - psi2)+            6         10
==================  =====================================================  ========  ==========

``n_params`` counts each breakpoint (or midpoint and scale) as a parameter; information criteria
add one more for the variance. A step's ``tau`` and a shock's are the first time of the new regime;
a broken line's ``psi`` is estimated continuously between observed times.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.special import expit

from ._base import Shape, unique_times
from ._linalg import whiten
from .segmented import Segmented, TwoBreakpoints, UShape, muggeo_iteration

__all__ = [
    "SHAPES",
    "Flat",
    "Linear",
    "SCurve",
    "Segmented",
    "Shape",
    "ShockRecovery",
    "Step",
    "TwoBreakpoints",
    "UShape",
    "default_shapes",
    "muggeo_iteration",
]

#: Every shape name the change engine reports (the demo's ``SHAPES`` are a subset).
SHAPES = (
    "flat",
    "linear",
    "step",
    "segmented",
    "u_shape",
    "s_curve",
    "shock_recovery",
    "two_breakpoints",
)


class Flat(Shape):
    """A constant level, y = b0.

    Examples
    --------
    >>> Flat().fit([1, 2, 3, 4], [2.0, 4.0, 3.0, 3.0]).params_
    {'level': 3.0}
    """

    name, n_params, min_points, nonlinear = "flat", 1, 2, False

    def designs(self, t):
        return np.zeros((1, 0)), self.design(t, ())[None]

    def design(self, t, location):
        return np.ones((len(t), 1))

    def _params(self, coef, location):
        return {"level": float(coef[0])}


class Linear(Shape):
    """A straight line, y = b0 + b1 t.

    Examples
    --------
    >>> round(Linear().fit([1, 2, 3, 4], [1.0, 1.5, 2.0, 2.5]).params_["slope"], 6)
    0.5
    """

    name, n_params, min_points, nonlinear = "linear", 2, 3, False

    def designs(self, t):
        return np.zeros((1, 0)), self.design(t, ())[None]

    def design(self, t, location):
        return np.column_stack([np.ones(len(t)), t])

    def _params(self, coef, location):
        return {"intercept": float(coef[0]), "slope": float(coef[1])}


class Step(Shape):
    """A level shift: y = b0 before tau and b0 + delta from tau on.

    Parameters
    ----------
    min_segment : int
        Fewest distinct time points on each side of the shift.

    Notes
    -----
    ``tau`` is searched over the observed times: it is the first time of the new level, so the
    shift happened after the time before it. Every admissible ``tau`` is tried (the profile is
    exhaustive), so the fit is the global least-squares optimum.

    Examples
    --------
    >>> step = Step().fit([1, 2, 3, 4, 5, 6], [2.0, 2.1, 1.9, 3.0, 3.1, 2.9])
    >>> step.params_["breakpoint"], round(step.params_["level_shift"], 6)
    (4.0, 1.0)
    """

    name, n_params, min_points = "step", 3, 4

    def __init__(self, *, min_segment: int = 2):
        self.min_segment = min_segment

    def _taus(self, t):
        u, ms = unique_times(t), self.min_segment
        return u[ms : len(u) - ms + 1]

    def designs(self, t):
        taus = self._taus(t)
        x = np.stack([np.ones((len(taus), len(t))), (t[None, :] >= taus[:, None]) * 1.0], axis=-1)
        return taus[:, None], x

    def design(self, t, location):
        return np.column_stack([np.ones(len(t)), (t >= location[0]) * 1.0])

    def breakpoint_times(self, location):
        return [float(location[0])]

    def _params(self, coef, location):
        return {
            "level_before": float(coef[0]),
            "level_shift": float(coef[1]),
            "breakpoint": float(location[0]),
        }


class ShockRecovery(Shape):
    """A shock and a new trend: a straight line that drops (or jumps) at tau and turns there.

    y = b0 + b1 t + (delta + g (t - tau)) 1(t >= tau): slope b1 before, level shift delta at tau,
    slope b1 + g after (a partial recovery when delta < 0 < b1 + g).

    Parameters
    ----------
    min_segment : int
        Fewest distinct time points on each side; each side has a level and a slope, so 3.

    Examples
    --------
    >>> t = np.arange(1.0, 9.0)
    >>> y = 5 + 0.1 * t - 1.5 * (t >= 5) + 0.3 * np.maximum(t - 5, 0)
    >>> shock = ShockRecovery().fit(t, y)
    >>> shock.params_["breakpoint"], round(shock.params_["level_shift"], 6)
    (5.0, -1.5)
    """

    name, n_params, min_points = "shock_recovery", 5, 6

    def __init__(self, *, min_segment: int = 3):
        self.min_segment = min_segment

    def designs(self, t):
        u, ms = unique_times(t), self.min_segment
        taus = u[ms : len(u) - ms + 1]
        return taus[:, None], np.stack([self.design(t, (tau,)) for tau in taus]).reshape(
            len(taus), len(t), 4
        )

    def design(self, t, location):
        after = (t >= location[0]) * 1.0
        return np.column_stack([np.ones(len(t)), t, after, after * (t - location[0])])

    def breakpoint_times(self, location):
        return [float(location[0])]

    def _params(self, coef, location):
        return {
            "intercept": float(coef[0]),
            "slope_before": float(coef[1]),
            "level_shift": float(coef[2]),
            "slope_change": float(coef[3]),
            "slope_after": float(coef[1] + coef[3]),
            "breakpoint": float(location[0]),
        }


class SCurve(Shape):
    """A four-parameter logistic: a move from one plateau to another around a midpoint (tipping).

    y = lower + (upper - lower) / (1 + exp(-(t - midpoint) / scale)); ``lower`` is the plateau
    before the midpoint and ``upper`` the one after (``upper < lower`` for a fall).

    Parameters
    ----------
    min_side : int
        Fewest observed times strictly before and strictly after the midpoint, so that both
        plateaus are seen.
    scales : int
        Scales on the starting grid, geometric from ``min_scale`` to ``max_scale``.
    min_scale, max_scale : float
        Bounds on the scale in units of the median spacing of the observed times; a smaller scale
        is a step (the midpoint is then not identified between two observed times), a larger one
        is nearly a straight line over the observed range.

    Notes
    -----
    The midpoint is kept inside the observed range with ``min_side`` observed times beyond it on
    each side (between the third and the third-to-last with the default 2), so that each plateau
    has data: a midpoint near the last round would describe plain acceleration as a tipping
    point. For fixed (midpoint, scale) the curve is linear in (lower, upper - lower): the fit
    profiles the residual sum of squares over a grid of midpoints (every half spacing) and
    scales, then refines all four parameters from the best grid point with
    ``scipy.optimize.least_squares`` (trust region reflective, within the bounds).
    It needs at least 8 time points: with fewer, four parameters leave too little to judge by.

    Examples
    --------
    >>> t = np.arange(1.0, 11.0)
    >>> s = SCurve().fit(t, 4 + 2 * (1 / (1 + np.exp(-(t - 5.2) / 0.8))))
    >>> [round(s.params_[k], 4) for k in ("lower", "upper", "midpoint", "scale")]
    [4.0, 6.0, 5.2, 0.8]
    """

    name, n_params, min_points = "s_curve", 4, 8

    def __init__(
        self,
        *,
        min_side: int = 2,
        scales: int = 4,
        min_scale: float = 0.25,
        max_scale: float = 2.0,
    ):
        self.min_side, self.scales = min_side, scales
        self.min_scale, self.max_scale = min_scale, max_scale

    def _bounds(self, t):
        u, side = unique_times(t), self.min_side
        h = float(np.median(np.diff(u)))
        return (u[side], u[-1 - side]), (self.min_scale * h, self.max_scale * h), h

    def designs(self, t):
        (lo, hi), (smin, smax), h = self._bounds(t)
        mids = np.arange(lo, hi + 0.25 * h, 0.5 * h)
        mids = mids[mids <= hi + 1e-9 * h]
        if len(mids) > 41:  # long series: an even subset
            mids = mids[np.unique(np.linspace(0, len(mids) - 1, 41).round().astype(int))]
        scales = np.geomspace(smin, smax, self.scales)
        grid = np.array([(m, s) for m in mids for s in scales])
        z = expit((t[None, :] - grid[:, :1]) / grid[:, 1:])
        return grid, np.stack([np.ones_like(z), z], axis=-1)

    def design(self, t, location):
        return np.column_stack([np.ones(len(t)), expit((t - location[0]) / location[1])])

    def breakpoint_times(self, location):
        return [float(location[0])]

    def _refine(self, t, y, r, locations, rss, best):
        (lo, hi), (smin, smax), _ = self._bounds(t)
        mid, scale = locations[best]
        coef = np.linalg.lstsq(whiten(r, self.design(t, (mid, scale))), whiten(r, y), rcond=None)[0]
        start = np.array([coef[0], coef[0] + coef[1], mid, scale])

        def residuals(theta):
            lower, upper, m, s = theta
            return whiten(r, y - (lower + (upper - lower) * expit((t - m) / s)))

        span = max(np.ptp(y), 1e-8)
        fit = optimize.least_squares(
            residuals,
            start,
            bounds=([-np.inf, -np.inf, lo, smin], [np.inf, np.inf, hi, smax]),
            x_scale=[span, span, hi - lo, smax],
            xtol=1e-10,
            ftol=1e-10,
            gtol=1e-10,
        )
        if fit.cost * 2 <= rss[best]:
            return (float(fit.x[2]), float(fit.x[3]))
        return (float(mid), float(scale))

    def _params(self, coef, location):
        return {
            "lower": float(coef[0]),
            "upper": float(coef[0] + coef[1]),
            "midpoint": float(location[0]),
            "scale": float(location[1]),
        }


def default_shapes(n_times: int) -> list[Shape]:
    """The candidate shapes for a series with ``n_times`` distinct time points, simplest first."""
    shapes = [Flat(), Linear(), Step(), Segmented(), UShape(), SCurve(), ShockRecovery()]
    shapes.append(TwoBreakpoints())
    return [s for s in shapes if n_times >= s.min_points]
