"""A tipping point: an S-curve (four-parameter logistic) from one plateau to another."""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.special import expit

from evalkit.change._linalg import whiten
from evalkit.change.shapes.base import Shape, unique_times

__all__ = ["SCurve"]


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
        plateau: float = 0.1,
    ):
        self.min_side, self.scales = min_side, scales
        self.min_scale, self.max_scale = min_scale, max_scale
        self.plateau = plateau

    def _reaches(self, t, mids, scales) -> np.ndarray:
        """Whether each plateau is seen: the curve is within ``plateau`` (a share of its move) of
        its lower level at the first ``min_side`` observed times and of its upper level at the
        last ``min_side``, so that a ramp which runs on to the end is not called a tipping point."""
        u = unique_times(t)
        first, last = float(u[self.min_side - 1]), float(u[-self.min_side])
        edge = np.log((1 - self.plateau) / self.plateau)
        return ((mids - first) / scales >= edge - 1e-9) & ((last - mids) / scales >= edge - 1e-9)

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
        grid = np.array([(m, s) for m in mids for s in scales]).reshape(-1, 2)
        grid = grid[self._reaches(t, grid[:, 0], grid[:, 1])]
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
        reaches = self._reaches(t, fit.x[2:3], fit.x[3:4])[0]
        if fit.cost * 2 <= rss[best] and reaches:
            return (float(fit.x[2]), float(fit.x[3]))
        return (float(mid), float(scale))

    def _params(self, coef, location):
        return {
            "lower": float(coef[0]),
            "upper": float(coef[0] + coef[1]),
            "midpoint": float(location[0]),
            "scale": float(location[1]),
        }
