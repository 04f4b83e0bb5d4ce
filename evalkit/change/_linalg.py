"""Weighted least squares for many fixed designs at once: the numerical core of the change engine.

Every shape is linear in its coefficients once its breakpoints (or midpoint and scale) are fixed,
so fitting it over a grid of locations, for one series or a thousand simulated ones, is a batch of
projections: with whitened designs ``Xw = R X`` and data ``yw = R y`` (``R'R = W``), the weighted
residual sum of squares is ``|yw|^2 - |Q'yw|^2`` with ``Q`` the thin QR factor of ``Xw``.
"""

from __future__ import annotations

import numpy as np

from evalkit.exceptions import EvalkitError

__all__ = ["design_rss", "lstsq", "whiten", "whitener"]

_RANK_TOL = 1e-9  # a design column this small (relative) after QR makes the design degenerate


def whitener(weights, n: int) -> np.ndarray | None:
    """The matrix (or vector) R with R'R = W for weights W; None means unweighted.

    ``weights`` may be None, a vector of n positive weights (weighted least squares), or an n x n
    symmetric positive definite weight matrix (generalised least squares, W = inverse covariance).
    """
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise EvalkitError(f"Weights must be {n} positive finite numbers.")
        return np.sqrt(w)
    if w.shape != (n, n) or not np.all(np.isfinite(w)):
        raise EvalkitError(f"A weight matrix must be {n} x {n} and finite.")
    try:
        return np.linalg.cholesky(w).T
    except np.linalg.LinAlgError as error:
        raise EvalkitError("The weight matrix must be positive definite.") from error


def whiten(r: np.ndarray | None, a: np.ndarray) -> np.ndarray:
    """R @ a over the row axis (-2 for 2-D or stacked arrays, 0 for a vector)."""
    if r is None:
        return a
    if r.ndim == 1:
        return r * a if a.ndim == 1 else r[:, None] * a
    return r @ a


def design_rss(xw: np.ndarray, yw: np.ndarray) -> np.ndarray:
    """Residual sums of squares of whitened data on whitened designs.

    Parameters
    ----------
    xw : ndarray, shape (..., n, p)
        Stacked whitened designs.
    yw : ndarray, shape (..., n, b)
        Whitened data (b series), broadcast against the designs' leading axes.

    Returns
    -------
    ndarray, shape (..., b)
        ``inf`` where a design is rank deficient.
    """
    q, r = np.linalg.qr(xw)
    proj = np.swapaxes(q, -1, -2) @ yw
    rss = np.einsum("...nb,...nb->...b", yw, yw) - np.einsum("...pb,...pb->...b", proj, proj)
    diag = np.abs(np.diagonal(r, axis1=-2, axis2=-1))
    degenerate = diag.min(axis=-1) <= _RANK_TOL * np.maximum(diag.max(axis=-1), 1e-300)
    rss = np.maximum(rss, 0.0)
    rss[degenerate] = np.inf
    return rss


def lstsq(x: np.ndarray, y: np.ndarray, r: np.ndarray | None) -> tuple[np.ndarray, float]:
    """Weighted least-squares coefficients of one design, and the weighted RSS."""
    xw, yw = whiten(r, x), whiten(r, y)
    coef, *_ = np.linalg.lstsq(xw, yw, rcond=None)
    resid = yw - xw @ coef
    return coef, float(resid @ resid)
