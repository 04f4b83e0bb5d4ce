"""Is there any non-linearity? A calibrated test, not a model-selection contest.

With 4 to 16 rounds, picking the shape with the lowest AIC or BIC calls a large share of straight
lines non-linear. The change engine first asks a calibrated question -- does any non-linear
shape, at any breakpoint, fit better than a straight line by more than chance allows? -- and only
then describes the shape. :func:`nonlinearity_test` is that question, as a parametric bootstrap
of the likelihood ratio (see :mod:`evalkit.change.variance` for the model of the round means).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evalkit.change.shapes.base import Shape
from evalkit.change.shapes.lines import Linear
from evalkit.change.variance import Profiler, VarianceModel, gls, line_ml_tau2
from evalkit.limits import MIN_BREAKPOINT_POINTS

__all__ = ["MIN_BREAKPOINT_POINTS", "NonlinearityTest", "nonlinearity_test"]


@dataclass(frozen=True)
class NonlinearityTest:
    """Result of :func:`nonlinearity_test`.

    ``statistic`` is the largest observed likelihood-ratio statistic over the shape families
    (see the function's Notes), ``p_value`` the parametric-bootstrap p-value from ``n_boot``
    replicates, ``tau2`` the between-round variance (or sigma^2 without a known V) of the
    straight line the replicates were drawn from, ``by_shape`` the observed statistic of each
    shape family and ``tau2_by_shape`` the profile-likelihood tau^2 at each family's best fit.
    """

    statistic: float
    p_value: float
    n_boot: int
    tau2: float
    by_shape: dict = field(default_factory=dict)
    tau2_by_shape: dict = field(default_factory=dict)


def nonlinearity_test(
    t,
    y,
    cov=None,
    *,
    shapes: list[Shape] | None = None,
    tau2: float | None = None,
    n_boot: int = 199,
    max_boot: int | None = None,
    seed: int = 0,
    fixed_tau2: bool = False,
) -> NonlinearityTest:
    """Parametric-bootstrap likelihood-ratio test of a straight line against any non-linear shape.

    Parameters
    ----------
    t, y : array_like, shape (n,)
        Times (distinct) and round means.
    cov : array_like, optional
        Sampling covariance of the means (vector of se_t^2, or n x n); None for classic
        regression with a common unknown variance.
    shapes : list of Shape, optional
        Non-linear shapes to test against (default: those of :func:`default_shapes` for n,
        without ``u_shape``, whose fits are a subset of ``segmented``'s).
    tau2 : float, optional
        Between-round variance to simulate the null with, e.g. one pooled over many series
        (default: the straight line's maximum-likelihood estimate). Ignored without V.
    n_boot : int
        Bootstrap replicates per batch.
    max_boot : int, optional
        Keep adding batches while fewer than 10 replicates reach the observed statistic, up to
        this many in all (default ``n_boot``: one batch). Extra batches sharpen small p-values,
        which matters when many series are adjusted together.
    seed : int
        Seed of the bootstrap.
    fixed_tau2 : bool
        Use the given ``tau2`` in the statistic too, instead of profiling tau^2 under each model.
        Right for a tau^2 pooled over many series (see Notes); ignored without ``tau2`` or V.

    Returns
    -------
    NonlinearityTest

    Notes
    -----
    For each model m (the straight line, and every non-linear shape at every point of its grid of
    breakpoints or midpoints and scales) the -2 log-likelihood is profiled over tau^2:
    L_m = min over tau^2 of log det(V + tau^2 I) + r' (V + tau^2 I)^-1 r, with r the generalised
    least-squares residual (on a grid of tau^2, refined by a parabola in log tau^2). For each
    shape family f the statistic is its largest drop, T_f = L_line - min over its grid of L_m.
    Without a known V, T_f = n log(RSS_line / min RSS_m), the classic likelihood ratio.

    Profiling tau^2 under each model is what gives the test power: a tau^2 estimated once from the
    straight line's residuals absorbs any lack of fit, which shrinks the statistic of the very
    departures the test should detect.

    The families are combined by the single-step min-p method (Westfall and Young 1993): each
    T_f gets a p-value from its own bootstrap distribution, the smallest is the statistic, and its
    null distribution comes from the same replicates. A plain maximum of the T_f would let the
    most flexible family (``shock_recovery``, four coefficients) set the critical value for all.

    The replicates come from the straight line fitted by maximum likelihood (the usual
    parametric bootstrap of a likelihood ratio): y* = X b + C z, C C' = V + tau0^2 I, z
    standard normal; each replicate re-profiles tau^2 for every model, exactly as for the data.
    The null's tau0^2 matters, because the statistic's null distribution widens as tau^2 grows:
    the DerSimonian-Laird tau0^2, truncated at 0 and so biased upwards, made the test hold 1.5%
    instead of 5% in simulations. And any tau0^2 from the straight line's residuals grows with
    the very change being tested, which costs power; a pooled tau0^2 from many series, with
    :func:`flexible_tau2_moments`, avoids that (see :func:`~evalkit.change.assess_trends`).
    The p-value is (1 + #{m* <= m}) / (B + 1) for the observed smallest family p-value m. For
    fixed locations every model is linear, so the replicates are a batch of projections (one QR
    factorisation per design and tau^2, shared by all replicates).

    With ``fixed_tau2`` every model's -2 log-likelihood is taken at the given tau^2, so T_f is a
    drop in generalised residual sum of squares. A tau^2 pooled over a place's nine behaviours
    rests on some 45 degrees of freedom against the 5 or so of one series, and profiling it again
    per model only adds noise: in the accuracy benchmark this raised detection of one-point
    non-linear changes by about 5 points at the same false-positive rate.

    ``statistic`` reports the largest T_f; the p-value is that of the min-p combination.

    References
    ----------
    Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their Application, ch. 4.
    Westfall, P. H. and Young, S. S. (1993). Resampling-Based Multiple Testing. Wiley.
    Hansen, B. E. (1996). Inference when a nuisance parameter is not identified under the null
    hypothesis. Econometrica 64, 413-430.

    Examples
    --------
    >>> t = np.arange(1.0, 9.0)
    >>> y = 5 + np.array([0, 0, 0, 0, 1, 1, 1, 1.0]) + np.array([1, -1, 1, -1, 1, -1, 1, -1]) * 0.05
    >>> result = nonlinearity_test(t, y, np.full(8, 0.02), n_boot=99)
    >>> result.p_value
    0.01
    """
    from evalkit.change.shapes import default_shapes

    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(t)
    model = VarianceModel(cov, n)
    if shapes is None:
        shapes = [s for s in default_shapes(n) if s.nonlinear and s.name != "u_shape"]
    line = Linear()
    x_line = line.design(t, ())
    given = tau2 is not None
    if model.known:
        if tau2 is None:
            tau2 = line_ml_tau2(x_line, y, model)
        coef, _ = gls(x_line, y, model.covariance(tau2))
        chol = np.linalg.cholesky(model.covariance(tau2))
    else:
        coef, rss = np.linalg.lstsq(x_line, y, rcond=None)[:2]
        tau2 = float(rss[0]) / (n - 2) if len(rss) else 0.0
        chol = np.sqrt(tau2) * np.eye(n)
    profiler = Profiler(model, y, tau2 if fixed_tau2 and given and model.known else None)
    designs = {s.name: s.designs(t)[1] for s in shapes}
    rng = np.random.default_rng(seed)
    max_boot = n_boot if max_boot is None else max(max_boot, n_boot)

    def statistics(ys):
        base, _ = profiler.minus2loglik(x_line[None], ys)
        by_shape, tau2s = {}, {}
        for name, x in designs.items():
            values, taus = profiler.minus2loglik(x, ys)
            best = np.argmin(values, axis=0)
            by_shape[name] = base[0] - values[best, np.arange(values.shape[1])]
            tau2s[name] = taus[best, np.arange(values.shape[1])]
        return np.stack(list(by_shape.values())), by_shape, tau2s

    observed, by_shape, tau2s = statistics(y[:, None])
    draws = []
    exceed, total = 0, 0
    while total < max_boot:
        batch = min(n_boot, max_boot - total)
        replicates = (x_line @ coef)[:, None] + chol @ rng.standard_normal((n, batch))
        draws.append(statistics(replicates)[0])
        total += batch
        statistic, null = _min_p(observed[:, 0], np.concatenate(draws, axis=1))
        exceed = int(np.sum(null >= statistic - 1e-9 * abs(statistic)))
        if exceed >= 10:
            break
    return NonlinearityTest(
        statistic=float(observed.max()),
        p_value=(1 + exceed) / (1 + total),
        n_boot=total,
        tau2=float(tau2),
        by_shape={k: float(v[0]) for k, v in by_shape.items()},
        tau2_by_shape={k: float(v[0]) for k, v in tau2s.items()},
    )


def _min_p(observed: np.ndarray, null: np.ndarray) -> tuple[float, np.ndarray]:
    """Westfall-Young single-step min-p across shape families.

    ``observed`` (F,) and ``null`` (F, B) hold each family's statistic. Each family's p-value is
    taken against its own bootstrap distribution, for the data and for every replicate, and the
    smallest is the combined statistic (returned negated, so that larger is more extreme).
    """
    b = null.shape[1]
    p_obs = 1 + np.sum(null >= observed[:, None] - 1e-9 * np.abs(observed[:, None]), axis=1)
    order = np.sort(null, axis=1)
    pairs = zip(order, null, strict=True)
    at_least = b - np.stack([np.searchsorted(o, v, side="left") for o, v in pairs])
    return float(-(p_obs / (b + 1)).min()), -(at_least / b).min(axis=0)
