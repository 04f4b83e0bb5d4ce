"""The interface of every shape: keyword settings, ``fit()`` returning self, ``predict()``."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from evalkit.change._linalg import design_rss, lstsq, whiten, whitener
from evalkit.exceptions import EvalkitError

__all__ = ["Shape", "unique_times"]


def unique_times(t: np.ndarray) -> np.ndarray:
    """The distinct observed times, sorted."""
    return np.unique(np.asarray(t, dtype=float))


class Shape:
    """Curves f(t; theta) that are linear in their coefficients once their locations are fixed.

    The locations are the non-linear parameters: a breakpoint, two breakpoints, or an S-curve's
    midpoint and scale. ``designs(t)`` lists a grid of locations with the design matrix of each;
    ``fit`` profiles the weighted residual sum of squares over that grid, refines the best grid
    point continuously where the shape allows it (``_refine``), and keeps the coefficients of the
    design at the final location.

    Attributes set by ``fit``: ``coef_`` (the linear coefficients), ``location_`` (the non-linear
    parameters, a tuple), ``params_`` (every parameter by name), ``rss_`` (weighted residual sum of
    squares, ``inf`` when the shape cannot be fitted), ``breakpoints_`` (the turning times, a
    list) and ``n_obs_``.
    """

    #: The shape's name in results (one of ``evalkit.change.SHAPES``).
    name: ClassVar[str] = ""
    #: Parameters of the curve, counting each breakpoint (or midpoint, scale) as one.
    n_params: ClassVar[int] = 0
    #: Fewest distinct time points the shape is fitted to.
    min_points: ClassVar[int] = 2
    #: Whether the shape departs from a straight line.
    nonlinear: ClassVar[bool] = True

    # --- what each shape defines -----------------------------------------------------------------
    def designs(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The grid of locations, shape (D, m), and their designs at t, shape (D, n, p)."""
        raise NotImplementedError

    def design(self, t: np.ndarray, location) -> np.ndarray:
        """The design matrix at t for one location, shape (n, p)."""
        raise NotImplementedError

    def breakpoint_times(self, location) -> list[float]:
        """The turning times of a location (empty for shapes without one)."""
        return []

    def _params(self, coef: np.ndarray, location: tuple) -> dict:
        raise NotImplementedError

    def _refine(self, t, y, r, locations, rss, best) -> tuple:
        """Continuous refinement from the best grid point; by default the grid point itself."""
        return tuple(float(v) for v in locations[best])

    def _feasible(self, t, y, r, locations) -> np.ndarray | None:
        """Grid points the shape admits (all by default)."""
        return None

    # --- shared machinery ------------------------------------------------------------------------
    def fit(self, t, y, weights=None) -> Shape:
        """Fit the shape by (weighted) least squares.

        Parameters
        ----------
        t, y : array_like, shape (n,)
            Times (repeats allowed) and values.
        weights : array_like, optional
            None for ordinary least squares, n positive weights for weighted least squares, or an
            n x n weight matrix (the inverse covariance) for generalised least squares.

        Returns
        -------
        self
        """
        t, y = _check_series(t, y, self.min_points, self.name)
        r = whitener(weights, len(t))
        locations, x = self.designs(t)
        self.n_obs_ = len(t)
        if len(locations) == 0:
            raise EvalkitError(f"No admissible location for the {self.name} shape at these times.")
        yc = y - y.mean()  # every design has an intercept, so centring changes no residual
        rss = design_rss(whiten(r, x), whiten(r, yc)[:, None])[:, 0]
        feasible = self._feasible(t, y, r, locations)
        if feasible is not None:
            rss = np.where(feasible, rss, np.inf)
        if not np.isfinite(rss).any():
            return self._unfitted()
        best = int(np.argmin(rss))
        location = self._refine(t, y, r, locations, rss, best)
        self._set(t, y, r, location)
        return self

    def predict(self, t) -> np.ndarray:
        """The fitted curve at times t."""
        t = np.asarray(t, dtype=float)
        if not np.isfinite(self.rss_):
            return np.full(t.shape, np.nan)
        return self.design(np.atleast_1d(t), self.location_) @ self.coef_

    def _set(self, t, y, r, location) -> None:
        coef, rss = lstsq(self.design(t, location), y, r)
        self.coef_, self.location_, self.rss_ = coef, tuple(location), rss
        self.params_ = self._params(coef, self.location_)
        self.breakpoints_ = self.breakpoint_times(self.location_)

    def _profile(self, t, y, r, location) -> float:
        """Weighted RSS at one location (inf where the design is degenerate)."""
        x = self.design(t, location)
        return float(design_rss(whiten(r, x), whiten(r, y - y.mean())[:, None])[0])

    def _unfitted(self) -> Shape:
        self.coef_, self.location_, self.rss_ = np.array([]), (), np.inf
        self.params_, self.breakpoints_ = {}, []
        return self

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({settings})"


def _check_series(t, y, min_points: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if t.shape != y.shape:
        raise EvalkitError(f"Times and values differ in length ({t.size} and {y.size}).")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise EvalkitError("Times and values must be finite numbers (drop missing rows first).")
    if np.unique(t).size < min_points:
        raise EvalkitError(
            f"The {name} shape needs at least {min_points} distinct time points, "
            f"not {np.unique(t).size}."
        )
    return t, y
