"""The variance of a series of round means: sampling error plus round-to-round noise.

The round means are modelled as y_t = f(t) + u_t + e_t, with e ~ N(0, V) the sampling error of the
means (V known from the respondents: diagonal se_t^2, or a full matrix for a panel) and
u_t ~ N(0, tau^2) the between-round variation beyond sampling error. Without a known V (one value
per time point) the model is classic regression, y_t = f(t) + e_t with e ~ N(0, sigma^2).
:class:`VarianceModel` holds V, and this module the estimates of tau^2.
"""

from __future__ import annotations

import numpy as np

from evalkit.change._linalg import design_rss
from evalkit.change.shapes.base import Shape
from evalkit.change.shapes.lines import Linear
from evalkit.exceptions import EvalkitError

__all__ = ["VarianceModel", "between_round_variance", "flexible_tau2_moments"]


_TAU_GRID = 16  # values of tau^2 on which the likelihood is profiled (0 and a geometric range)


class VarianceModel:
    """The covariance of a series of round means: known sampling part V plus tau^2 I (or sigma^2 I).

    Parameters
    ----------
    cov : array_like or None
        Sampling covariance of the means: a vector of variances se_t^2, an n x n matrix, or None
        for classic regression (one observation per time point, common unknown variance).
    n : int
        Length of the series.

    Examples
    --------
    >>> model = VarianceModel([0.04, 0.04, 0.05], 3)
    >>> round(model.minus2loglik(np.array([0.1, -0.2, 0.1]), 0.01), 4)
    -2.1246
    """

    def __init__(self, cov, n: int):
        self.n = n
        if cov is None:
            self.v = None
            return
        v = np.asarray(cov, dtype=float)
        v = np.diag(v) if v.ndim == 1 else v
        if v.shape != (n, n) or not np.all(np.isfinite(v)):
            raise EvalkitError(f"The sampling covariance must be {n} numbers or {n} x {n}.")
        self.v = (v + v.T) / 2
        self.diagonal = bool(np.all(self.v == np.diag(np.diag(self.v))))
        self.eigval, self.eigvec = np.linalg.eigh(self.v)
        if self.eigval.min() <= 0:
            raise EvalkitError("The sampling covariance must be positive definite.")
        self.scale = float(np.mean(np.diag(self.v)))

    @property
    def known(self) -> bool:
        """Whether the sampling covariance is known (else classic regression)."""
        return self.v is not None

    def covariance(self, tau2: float) -> np.ndarray:
        """V + tau^2 I."""
        return self.v + tau2 * np.eye(self.n)

    def weights(self, tau2: float):
        """Weights for :meth:`Shape.fit`: a vector when V is diagonal, else the inverse matrix."""
        if not self.known:
            return None
        if self.diagonal:
            return 1.0 / (np.diag(self.v) + tau2)
        return np.linalg.inv(self.covariance(tau2))

    def minus2loglik(self, resid: np.ndarray, tau2: float) -> float:
        """-2 log-likelihood of residuals at tau^2 (sigma^2 profiled out when V is unknown)."""
        n = self.n
        if not self.known:
            rss = float(resid @ resid)
            return n * np.log(2 * np.pi * max(rss, 1e-300) / n) + n
        z2 = (self.eigvec.T @ resid) ** 2
        lam = self.eigval + tau2
        return float(n * np.log(2 * np.pi) + np.sum(np.log(lam)) + np.sum(z2 / lam))

    def profile_tau2(self, resid: np.ndarray) -> float:
        """Maximum-likelihood tau^2 >= 0 for given residuals (sigma^2 = RSS / n when V unknown)."""
        if not self.known:
            return float(resid @ resid) / self.n
        z2 = (self.eigvec.T @ resid) ** 2
        return _ml_tau2(self.eigval, z2)

    def tau2_grid(self, y: np.ndarray) -> np.ndarray:
        """Values of tau^2 for profiling: 0 and a geometric range around the sampling variance."""
        top = max(64 * self.scale, 4 * float(np.var(y)))
        return np.concatenate([[0.0], np.geomspace(self.scale / 16, top, _TAU_GRID - 1)])


def _ml_tau2(lam: np.ndarray, z2: np.ndarray) -> float:
    """argmin over tau >= 0 of h(tau) = sum log(lam + tau) + sum z2 / (lam + tau).

    Newton's method on h'(tau) = sum 1 / (lam + tau) - sum z2 / (lam + tau)^2, kept inside a
    bracket that shrinks by bisection whenever a step leaves it; the root is unique in practice
    (h is unimodal for the sizes met here) and tau = 0 when h'(0) >= 0.
    """

    def slope(tau):
        s = lam + tau
        return np.sum(1 / s) - np.sum(z2 / s**2)

    if slope(0.0) >= 0:
        return 0.0
    lo, hi = 0.0, max(float(np.sum(z2)), 1e-300)  # h'(hi) > 0: sum z2 / s^2 < n / s for s > sum z2
    while slope(hi) < 0:
        lo, hi = hi, 2 * hi
    tau = max(float(np.mean(z2 - lam)), 0.5 * hi) if np.mean(z2 - lam) > 0 else 0.5 * hi
    for _ in range(60):
        s = lam + tau
        g = np.sum(1 / s) - np.sum(z2 / s**2)
        if g > 0:
            hi = tau
        else:
            lo = tau
        curve = -np.sum(1 / s**2) + 2 * np.sum(z2 / s**3)
        step = g / curve if curve > 0 else np.inf
        new = tau - step
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - tau) <= 1e-12 * max(new, 1e-300) or hi - lo <= 1e-12 * hi:
            return float(new)
        tau = new
    return float(tau)


def between_round_variance(t, y, cov, *, design: np.ndarray | None = None) -> float:
    """Method-of-moments (DerSimonian-Laird) estimate of the between-round variance tau^2.

    Parameters
    ----------
    t, y : array_like
        Times and round means.
    cov : array_like
        Sampling variances se_t^2 (a vector) or covariance matrix of the means.
    design : ndarray, optional
        Mean model (default: a straight line in t).

    Returns
    -------
    float
        tau^2, truncated at 0.

    Notes
    -----
    With W = V^-1 and P = W - W X (X'WX)^-1 X'W, the generalised Q = y'Py has expectation
    (n - p) + tau^2 tr(P) under y ~ N(X b, V + tau^2 I), so tau^2 = max(0, (Q - (n - p)) / tr(P)).
    For diagonal V this is the DerSimonian-Laird estimator of meta-regression.

    References
    ----------
    DerSimonian, R. and Laird, N. (1986). Controlled Clinical Trials 7, 177-188.
    Thompson, S. G. and Sharp, S. J. (1999). Statistics in Medicine 18, 2693-2708.

    Examples
    --------
    >>> t = np.arange(1.0, 9.0)
    >>> y = 5 + 0.1 * t + np.array([0.3, -0.2, 0.1, -0.3, 0.25, -0.1, 0.2, -0.25])
    >>> round(between_round_variance(t, y, np.full(8, 0.01)), 4)
    0.0539
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    v = np.asarray(cov, dtype=float)
    w = np.diag(1.0 / v) if v.ndim == 1 else np.linalg.inv(v)
    x = np.column_stack([np.ones(len(t)), t]) if design is None else design
    wx = w @ x
    p = w - wx @ np.linalg.solve(x.T @ wx, wx.T)
    q = float(y @ p @ y)
    return max(0.0, (q - (len(y) - x.shape[1])) / float(np.trace(p)))


def flexible_tau2_moments(
    t,
    y,
    cov,
    *,
    truth=None,
    shapes: list[Shape] | None = None,
    n_sim: int = 100,
    seed: int = 0,
) -> tuple[float, float]:
    """Moment terms for a between-round variance that non-linear change does not inflate.

    Parameters
    ----------
    t, y : array_like
        Times and round means.
    cov : array_like
        Sampling covariance of the means (vector of se_t^2 or n x n matrix).
    truth : array_like, optional
        The curve the selection is simulated under, at t: the best-supported model's fit
        (default: the generalised least-squares straight line).
    shapes : list of Shape, optional
        Shapes whose grids are searched (default: the straight line and the non-linear shapes
        of :func:`default_shapes`, without ``u_shape``).
    n_sim : int
        Simulated series for the expectation.
    seed : int
        Seed of the simulation.

    Returns
    -------
    excess, slope : float
        tau^2 = max(0, excess / slope) for one series; summed over series for a pooled value.

    Notes
    -----
    Q = min over every design d on the shapes' grids of r_d' V^-1 r_d, the generalised residual
    sum of squares of the best-fitting shape. Residuals of the straight line would carry any
    non-linear change into tau^2 (on simulated places with 5 in 9 behaviours non-linear, that
    tripled it); the best-fitting shape leaves little lack of fit, but its selection from many
    designs makes Q smaller than its degrees of freedom suggest, by how much depending on the
    true curve. So the expectation of Q is simulated, as a parametric bootstrap bias
    correction: series drawn from ``truth`` (the best-supported model: the straight line when
    nothing else is supported) plus N(0, V + tau^2 I) noise, at tau^2 = 0 and at the mean
    sampling variance, with common random numbers, give E[Q](tau^2) ~ a + b tau^2, and the
    moment equation Q = a + b tau^2 gives excess = Q - a and slope = b, in the manner of
    DerSimonian and Laird with the selection accounted for. (Drawn from the line alone, the
    correction overshoots for clear steps; drawn from the best-fitting curve alone, it falls
    short without change.)

    Examples
    --------
    >>> t = np.arange(1.0, 9.0)
    >>> y = 5 + 1.0 * (t >= 5) + np.array([0.2, -0.15, 0.1, -0.2, 0.15, -0.1, 0.2, -0.2])
    >>> excess, slope = flexible_tau2_moments(t, y, np.full(8, 0.01))
    >>> round(max(0.0, excess / slope), 3)
    0.041
    """
    from evalkit.change.shapes import default_shapes

    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(t)
    model = VarianceModel(cov, n)
    if shapes is None:
        shapes = [s for s in default_shapes(n) if s.name not in ("flat", "u_shape")]
    inv = np.linalg.inv(np.linalg.cholesky(model.v))
    designs = [s.designs(t)[1] for s in shapes]

    def rss(ys):  # (D_all, B): every design of every shape
        yw = inv @ (ys - ys.mean(axis=0))
        return np.concatenate([design_rss(inv @ x, yw[None]) for x in designs], axis=0)

    if truth is None:
        x_line = Linear().design(t, ())
        fitted = x_line @ gls(x_line, y, model.v)[0]
    else:
        fitted = np.asarray(truth, dtype=float)
    tau1 = model.scale
    z = np.random.default_rng(seed).standard_normal((n, n_sim))
    ys = np.concatenate(
        [
            y[:, None],
            fitted[:, None] + np.linalg.cholesky(model.v) @ z,
            fitted[:, None] + np.linalg.cholesky(model.covariance(tau1)) @ z,
        ],
        axis=1,
    )
    q = rss(ys).min(axis=0)
    a, a1 = q[1 : n_sim + 1].mean(), q[n_sim + 1 :].mean()
    return float(q[0] - a), float(max(a1 - a, 1e-12) / tau1)


class Profiler:
    """-2 log-likelihood of many series on many fixed designs, tau^2 profiled on a grid."""

    def __init__(self, model: VarianceModel, y: np.ndarray, fixed: float | None = None):
        self.model = model
        if model.known:
            self.tau2 = model.tau2_grid(y) if fixed is None else np.array([fixed])
            chol = np.linalg.cholesky(model.v[None] + self.tau2[:, None, None] * np.eye(model.n))
            self.inv = np.linalg.inv(chol)  # (G, n, n): whitening C^-1 for each tau^2
            self.logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)

    def minus2loglik(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Profile -2 log L (up to a constant) and its tau^2, each (D, B), for designs (D, n, p)."""
        n = self.model.n
        y = y - y.mean(axis=0)  # every design has an intercept
        if not self.model.known:
            rss = design_rss(x, y[None])
            return n * np.log(np.maximum(rss, 1e-300) / n), rss / n
        yw = self.inv @ y[None]  # (G, n, B)
        size = len(self.tau2) * n * max(x.shape[2], y.shape[1])
        step = max(1, int(4_000_000 // size))  # designs per chunk, to bound memory
        values = np.concatenate(
            [
                design_rss(self.inv[:, None] @ x[None, i : i + step], yw[:, None])
                for i in range(0, len(x), step)
            ],
            axis=1,
        )
        values += self.logdet[:, None, None]  # (G, D, B)
        if len(self.tau2) == 1:
            return values[0], np.full(values.shape[1:], self.tau2[0])
        best = np.argmin(values, axis=0)
        lowest = np.take_along_axis(values, best[None], axis=0)[0]
        # parabola through the minimum and its neighbours on the log-spaced part of the grid
        inner = (best >= 2) & (best <= len(self.tau2) - 2)
        g = np.clip(best, 2, len(self.tau2) - 2)
        f0 = np.take_along_axis(values, (g - 1)[None], axis=0)[0]
        f2 = np.take_along_axis(values, (g + 1)[None], axis=0)[0]
        curve = f0 - 2 * lowest + f2
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(inner & (curve > 0), (f2 - f0) ** 2 / (8 * curve), 0.0)
        return lowest - np.nan_to_num(shift), self.tau2[best]


def line_ml_tau2(x: np.ndarray, y: np.ndarray, model: VarianceModel) -> float:
    """Maximum-likelihood tau^2 of the straight line (alternating GLS and the tau^2 profile)."""
    tau2 = 0.0
    for _ in range(20):
        coef, _ = gls(x, y, model.covariance(tau2))
        new = model.profile_tau2(y - x @ coef)
        if abs(new - tau2) <= 1e-10 * max(model.scale, new):
            return new
        tau2 = new
    return tau2


def gls(x: np.ndarray, y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generalised least squares: coefficients and their covariance (X' S^-1 X)^-1."""
    w = np.linalg.inv(s)
    cov = np.linalg.inv(x.T @ w @ x)
    return cov @ x.T @ w @ y, cov
