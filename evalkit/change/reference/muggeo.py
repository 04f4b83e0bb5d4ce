"""Muggeo's iterative estimation of a breakpoint, as R's ``segmented`` does it (kept to show why the
engine profiles a grid first: the plain iteration finds the local optimum nearest its start).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalkit.change._linalg import lstsq, whitener
from evalkit.change.shapes.broken import hinge, psi_se
from evalkit.exceptions import EvalkitError

__all__ = ["MuggeoResult", "muggeo_iteration"]


@dataclass(frozen=True)
class MuggeoResult:
    """Where Muggeo's iteration ended: psi, its standard error, the RSS, iterations, convergence."""

    psi: float
    se: float
    rss: float
    n_iter: int
    converged: bool


def muggeo_iteration(
    t, y, psi: float, *, weights=None, max_iter: int = 100, tol: float = 1e-10
) -> MuggeoResult:
    """Muggeo's iterative estimate of a breakpoint, from one starting value and without restarts.

    Parameters
    ----------
    t, y : array_like
        Times and values.
    psi : float
        Starting breakpoint, strictly inside the range of t.
    weights : array_like, optional
        As for :meth:`Shape.fit`.
    max_iter : int
        Most iterations.
    tol : float
        Stop when the relative change of the residual sum of squares is below this.

    Returns
    -------
    MuggeoResult

    Notes
    -----
    Each step fits y = b0 + b1 t + d U + g V with U = (t - psi)+, V = -1(t > psi) and moves psi to
    psi + g / d, the Gauss-Newton step for psi from a first-order expansion of (t - psi)+ around
    the current psi (Muggeo 2003). It converges to a stationary point near the start, which need
    not be the global optimum; :class:`Segmented` uses a profile grid first for that reason.

    References
    ----------
    Muggeo, V. M. R. (2003). Statistics in Medicine 22, 3055-3071.

    Examples
    --------
    >>> t = np.arange(1.0, 11.0)
    >>> y = 1 + 0.2 * t + 0.4 * np.maximum(t - 5.5, 0)
    >>> round(muggeo_iteration(t, y, 4.0).psi, 6)
    5.5
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    r = whitener(weights, len(t))
    if not t.min() < psi < t.max():
        raise EvalkitError(f"The starting breakpoint {psi} must lie inside the observed times.")
    dev_old = lstsq(np.column_stack([np.ones(len(t)), t]), y, r)[1]
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        x = np.column_stack([np.ones(len(t)), t, hinge(t, psi), -1.0 * (t > psi)])
        coef, dev_new = lstsq(x, y, r)
        epsilon = (dev_new - dev_old) / dev_old if dev_old > 0 else 0.0
        dev_old = dev_new
        psi = psi + coef[3] / coef[2]
        if not t.min() < psi < t.max():
            return MuggeoResult(np.nan, np.nan, np.nan, n_iter, False)
        if abs(epsilon) <= tol:
            converged = True
            break
    rss = lstsq(np.column_stack([np.ones(len(t)), t, hinge(t, psi)]), y, r)[1]
    return MuggeoResult(float(psi), psi_se(t, y, r, psi), rss, n_iter, converged)
