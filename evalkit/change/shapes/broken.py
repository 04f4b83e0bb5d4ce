"""Broken lines: one breakpoint (``Segmented``), one where the slope turns (``UShape``), or two.

The breakpoint psi is estimated continuously, not only at observed times. The residual sum of
squares is profiled over a fine grid of psi (every quarter of the spacing between observed times),
and the best grid point is refined with a bounded one-dimensional minimiser on the two grid cells
around it. Muggeo's iteration on its own only finds the local optimum nearest its start (on the
``stagnant`` data, started at 0, it ends at psi = 0.00848 instead of the global 0.0411), which is
why the grid comes first; :func:`muggeo_iteration` is kept for that comparison and gives the
standard error of psi.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from evalkit.change._linalg import lstsq, whiten
from evalkit.change.shapes.base import Shape, unique_times

__all__ = ["Segmented", "TwoBreakpoints", "UShape"]


_MOST_PSI = 81  # grid points for one breakpoint (reached beyond 21 time points)


_MOST_PAIRS = 25  # grid points per breakpoint of two (reached beyond 13 time points)


def _psi_grid(u: np.ndarray, lo: float, hi: float, per_interval: int, most: int) -> np.ndarray:
    """Grid points from lo to hi, ``per_interval`` per gap between consecutive observed times,
    thinned evenly to at most ``most`` points (long series)."""
    inside = u[(u >= lo) & (u <= hi)]
    steps = np.arange(per_interval) / per_interval
    grid = (inside[:-1, None] + np.diff(inside)[:, None] * steps[None, :]).ravel()
    grid = np.append(grid, inside[-1])
    if len(grid) > most:
        grid = grid[np.unique(np.linspace(0, len(grid) - 1, most).round().astype(int))]
    return grid


def hinge(t: np.ndarray, psi) -> np.ndarray:
    return np.maximum(t - psi, 0.0)


class Segmented(Shape):
    """A continuous broken line: y = b0 + b1 t + d (t - psi)+, slope b1 before psi and b1 + d after.

    Parameters
    ----------
    min_segment : int
        Fewest distinct time points on each side of psi, counting a point at psi on both sides.
    grid_per_interval : int
        Grid points per gap between consecutive observed times for the starting profile
        (thinned to 81 points in all for long series).

    Attributes
    ----------
    psi_se_ : float
        Standard error of psi from Muggeo's linearisation (see Notes).

    Notes
    -----
    Least squares over (b0, b1, d, psi): for fixed psi the model is linear, so the fit profiles
    RSS(psi) on the grid and refines the best grid point with ``scipy.optimize.minimize_scalar``
    (bounded) on the neighbouring grid cells. This finds the global optimum wherever the profile
    has no dip narrower than a grid cell.

    The standard error follows Muggeo (2003): at psi, fit y = b0 + b1 t + d U + g V with
    U = (t - psi)+ and V = -1(t > psi); then SE(psi) = SE(g) / |d|, with the residual variance
    estimated as RSS / (n - 4) as in R's ``segmented`` (weights are taken as relative).

    References
    ----------
    Muggeo, V. M. R. (2003). Estimating regression models with unknown break-points. Statistics
    in Medicine 22, 3055-3071.

    Examples
    --------
    >>> t = np.arange(1.0, 11.0)
    >>> seg = Segmented().fit(t, 2 + 0.1 * t + 0.5 * np.maximum(t - 6.3, 0))
    >>> round(seg.params_["breakpoint"], 6), round(seg.params_["slope_after"], 6)
    (6.3, 0.6)
    """

    name, n_params, min_points = "segmented", 4, 5

    def __init__(self, *, min_segment: int = 2, grid_per_interval: int = 4):
        self.min_segment, self.grid_per_interval = min_segment, grid_per_interval

    def _range(self, t) -> tuple[float, float]:
        u, ms = unique_times(t), self.min_segment
        return float(u[ms - 1]), float(u[len(u) - ms])

    def designs(self, t):
        lo, hi = self._range(t)
        psis = _psi_grid(unique_times(t), lo, hi, self.grid_per_interval, _MOST_PSI)
        ones = np.ones((len(psis), len(t)))
        x = np.stack([ones, ones * t, hinge(t[None, :], psis[:, None])], axis=-1)
        return psis[:, None], x

    def design(self, t, location):
        return np.column_stack([np.ones(len(t)), t, hinge(t, location[0])])

    def breakpoint_times(self, location):
        return [float(location[0])]

    def _refine(self, t, y, r, locations, rss, best):
        psis = locations[:, 0]
        lo, hi = psis[max(best - 1, 0)], psis[min(best + 1, len(psis) - 1)]
        if hi <= lo:
            return (float(psis[best]),)
        psi = _muggeo_steps(t, y, r, float(psis[best]), lo, hi)
        if psi is not None and self._objective(t, y, r, psi) <= rss[best]:
            return (psi,)
        found = optimize.minimize_scalar(
            lambda p: self._objective(t, y, r, p),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-10 * max(np.ptp(t), 1e-300)},
        )
        if found.fun <= rss[best]:
            return (float(found.x),)
        return (float(psis[best]),)

    def _objective(self, t, y, r, psi) -> float:
        return self._profile(t, y, r, (psi,))

    def _set(self, t, y, r, location):
        super()._set(t, y, r, location)
        self.psi_se_ = psi_se(t, y, r, location[0])

    def _unfitted(self):
        self.psi_se_ = np.nan
        return super()._unfitted()

    def _params(self, coef, location):
        return {
            "intercept": float(coef[0]),
            "slope_before": float(coef[1]),
            "slope_change": float(coef[2]),
            "slope_after": float(coef[1] + coef[2]),
            "breakpoint": float(location[0]),
        }


class UShape(Segmented):
    """A broken line whose slope changes sign at psi: a rise then a fall (backsliding), or a U.

    The same curve as :class:`Segmented`, restricted to breakpoints where the fitted slopes before
    and after have opposite signs. When the best broken line already turns, both shapes give the
    same fit; otherwise the U's best fit is the best turning line (often with one slope near 0), or
    no fit at all (``rss_`` is inf) when no admissible psi gives a turn.

    Notes
    -----
    A quadratic was the other candidate for backsliding. It was not chosen: it fits any gently
    curving series with one parameter fewer than a broken line, so an information criterion prefers
    it to "flat, then rising" even when the turn is abrupt, and its vertex (the turning time) is
    unstable when the curvature is small.

    Examples
    --------
    >>> t = np.arange(1.0, 9.0)
    >>> u = UShape().fit(t, 5 + 0.2 * t - 0.5 * np.maximum(t - 5, 0))
    >>> round(u.params_["breakpoint"], 6), round(u.params_["slope_after"], 6)
    (5.0, -0.3)
    """

    name = "u_shape"

    def _feasible(self, t, y, r, locations):
        coef = _grid_coef(self, t, y, r, locations)
        return coef[:, 1] * (coef[:, 1] + coef[:, 2]) < 0

    def _objective(self, t, y, r, psi):
        rss = self._profile(t, y, r, (psi,))
        coef, _ = lstsq(self.design(t, (psi,)), y, r)
        return rss if coef[1] * (coef[1] + coef[2]) < 0 else rss + 1e6 * (1.0 + rss)

    def _refine(self, t, y, r, locations, rss, best):
        psi = super()._refine(t, y, r, locations, rss, best)
        coef, _ = lstsq(self.design(t, psi), y, r)
        return psi if coef[1] * (coef[1] + coef[2]) < 0 else (float(locations[best, 0]),)


class TwoBreakpoints(Shape):
    """A continuous line with two breakpoints: y = b0 + b1 t + d1 (t - psi1)+ + d2 (t - psi2)+.

    Parameters
    ----------
    min_segment : int
        Fewest distinct time points in each of the three segments (a point at a breakpoint counts
        on both sides).

    Notes
    -----
    The starting grid puts each breakpoint at observed times and half-way between them; the best
    pair is refined by alternating bounded one-dimensional minimisations (three sweeps). Only
    offered with 10 or more time points.

    Examples
    --------
    >>> t = np.arange(1.0, 13.0)
    >>> y = 3 + 0.4 * np.maximum(t - 4, 0) - 0.6 * np.maximum(t - 8.5, 0)
    >>> two = TwoBreakpoints().fit(t, y)
    >>> [round(b, 6) for b in two.breakpoints_]
    [4.0, 8.5]
    """

    name, n_params, min_points = "two_breakpoints", 6, 10

    def __init__(self, *, min_segment: int = 2):
        self.min_segment = min_segment

    def _admissible(self, u, psi1, psi2) -> bool:
        ms = self.min_segment
        left, right = np.sum(u <= psi1 + 1e-12), np.sum(u >= psi2 - 1e-12)
        middle = np.sum((u >= psi1 - 1e-12) & (u <= psi2 + 1e-12))
        return psi1 < psi2 and left >= ms and middle >= ms and right >= ms

    def designs(self, t):
        u = unique_times(t)
        psis = _psi_grid(u, u[self.min_segment - 1], u[len(u) - self.min_segment], 2, _MOST_PAIRS)
        pairs = np.array(
            [(a, b) for i, a in enumerate(psis) for b in psis[i + 1 :] if self._admissible(u, a, b)]
        ).reshape(-1, 2)
        ones = np.ones((len(pairs), len(t)))
        x = np.stack(
            [ones, ones * t, hinge(t[None, :], pairs[:, :1]), hinge(t[None, :], pairs[:, 1:])],
            axis=-1,
        )
        return pairs, x

    def design(self, t, location):
        return np.column_stack([np.ones(len(t)), t, hinge(t, location[0]), hinge(t, location[1])])

    def breakpoint_times(self, location):
        return [float(location[0]), float(location[1])]

    def _refine(self, t, y, r, locations, rss, best):
        u = unique_times(t)
        ms = self.min_segment
        psi = list(locations[best])
        value = rss[best]
        for _ in range(3):
            for j in (0, 1):
                if j == 0:  # psi1 in [u[ms-1], the (ms)-th observed time at or before psi2]
                    lo, hi = u[ms - 1], u[u <= psi[1] + 1e-12][-ms]
                else:
                    lo, hi = u[u >= psi[0] - 1e-12][ms - 1], u[len(u) - ms]
                if hi <= lo:
                    continue

                def objective(p, j=j, current=tuple(psi)):
                    trial = list(current)
                    trial[j] = p
                    return self._profile(t, y, r, tuple(trial))

                found = optimize.minimize_scalar(objective, bounds=(lo, hi), method="bounded")
                trial = list(psi)
                trial[j] = float(found.x)
                if found.fun < value and self._admissible(u, *trial):
                    psi, value = trial, found.fun
        return (float(psi[0]), float(psi[1]))

    def _params(self, coef, location):
        return {
            "intercept": float(coef[0]),
            "slope_before": float(coef[1]),
            "slope_middle": float(coef[1] + coef[2]),
            "slope_after": float(coef[1] + coef[2] + coef[3]),
            "breakpoint_1": float(location[0]),
            "breakpoint_2": float(location[1]),
        }


def _muggeo_steps(t, y, r, psi, lo, hi, max_iter: int = 30) -> float | None:
    """Muggeo's iteration from psi, kept within [lo, hi]; None if it leaves or does not settle."""
    ones = np.ones(len(t))
    for _ in range(max_iter):
        x = np.column_stack([ones, t, hinge(t, psi), -1.0 * (t > psi)])
        coef, _ = lstsq(x, y, r)
        if coef[2] == 0:
            return None
        step = coef[3] / coef[2]
        psi += step
        if not lo <= psi <= hi:
            return None
        if abs(step) <= 1e-10 * max(hi - lo, 1e-300):
            return float(psi)
    return None


def _grid_coef(shape: Shape, t, y, r, locations) -> np.ndarray:
    """Coefficients of every grid design, shape (D, p)."""
    _, x = shape.designs(t)
    xw, yw = whiten(r, x), whiten(r, y)
    return (np.linalg.pinv(xw) @ yw[:, None])[..., 0]


def psi_se(t, y, r, psi) -> float:
    u, v = hinge(t, psi), -1.0 * (t > psi)
    x = np.column_stack([np.ones(len(t)), t, u, v])
    df = len(t) - 4
    if df <= 0:
        return np.nan
    coef, rss = lstsq(x, y, r)
    xw = whiten(r, x)
    try:
        cov = np.linalg.inv(xw.T @ xw) * rss / df
    except np.linalg.LinAlgError:
        return np.nan
    if coef[2] == 0 or cov[3, 3] < 0:
        return np.nan
    return float(np.sqrt(cov[3, 3]) / abs(coef[2]))
