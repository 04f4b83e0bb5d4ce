"""The parts of a fitted shape, and whether the evidence supports each one.

A shape's name makes claims: a step says the level jumped; a shock says it dropped *and* then
recovered; a turn in direction says it rose *and* then fell. :func:`shape_parts` lists those parts
of a fitted shape (a slope over a stretch of time, a jump at a time) with a standard error, and
:func:`supports` says whether every part the shape's name claims is itself supported (its 95%
interval excludes zero). The change engine names a shape only when it is supported, and its
sentence describes only supported parts as moving (see :func:`evalkit.change.assess.decide`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["CLAIMS", "Part", "shape_parts", "supports"]

_Z = stats.norm.ppf(0.975)

#: The parts each shape's name claims (the rest are described, never claimed).
CLAIMS = {
    "step": ("jump",),
    "s_curve": ("jump",),
    "segmented": ("turn",),
    "u_shape": ("before", "after"),
    "shock_recovery": ("jump", "after"),
    "two_breakpoints": ("turn", "turn_2"),
}


@dataclass(frozen=True)
class Part:
    """One part of a fitted shape.

    ``name`` is "before", "middle" or "after" (a slope over a stretch), "jump" (a change of
    level at a time, or an S-curve's move between plateaus) or "turn"/"turn_2" (a change of
    slope at a breakpoint). ``start`` and ``end`` bound the stretch in numeric time; ``estimate``
    is the slope (per unit of time), the jump or the change of slope, ``se`` its standard
    error, ``change`` the fitted change over the stretch (points), and ``supported`` whether the
    95% interval of ``estimate`` excludes zero.
    """

    name: str
    start: float
    end: float
    estimate: float
    se: float
    change: float
    supported: bool

    @property
    def direction(self) -> str:
        """ "up", "down" or "level" (a part whose interval includes zero is level)."""
        if not self.supported:
            return "level"
        return "up" if self.estimate > 0 else "down"

    def to_record(self) -> dict:
        """JSON-ready: the fields and the direction."""
        return {
            "part": self.name,
            "start": float(self.start),
            "end": float(self.end),
            "estimate": float(self.estimate),
            "se": float(self.se),
            "change": float(self.change),
            "supported": bool(self.supported),
            "direction": self.direction,
        }


def shape_parts(shape, t, y, cov=None, *, tau2: float = 0.0) -> list[Part]:
    """The parts of a fitted shape, each with a standard error and whether it is supported.

    Parameters
    ----------
    shape : Shape
        A fitted shape (see :mod:`evalkit.change.shapes`).
    t, y : array_like
        The times it was fitted at (numeric) and the values.
    cov : array_like, optional
        Sampling covariance of the means (n x n); None for classic regression, where the
        residual variance RSS / (n - p) is used.
    tau2 : float
        Between-round variance added to ``cov``.

    Returns
    -------
    list of Part
        In time order; empty for flat and straight lines.

    Notes
    -----
    With the shape's location (breakpoint, midpoint and scale) held at its estimate the shape is
    linear in its coefficients b, so a part's estimate is a contrast c'b with variance
    c' (X' W X)^-1 c, W = (V + tau^2 I)^-1 (or sigma^2 (X'X)^-1 without V). A part is supported
    when |c'b| >= 1.96 SE. Holding the location fixed makes the interval a little narrow; the
    test of non-linearity, which searches the locations, has already been passed before any
    shape is named.

    Examples
    --------
    >>> from evalkit.change.shapes import ShockRecovery
    >>> t = np.arange(1.0, 9.0)
    >>> y = 5 + np.r_[0, 0, 0, 0, -1.5, -1.1, -0.7, -0.3] + 0.05 * (-1) ** np.arange(8)
    >>> shock = ShockRecovery().fit(t, y, weights=np.full(8, 1 / 0.01))
    >>> [(p.name, p.direction) for p in shape_parts(shock, t, y, np.eye(8) * 0.01)]
    [('before', 'level'), ('jump', 'down'), ('turn', 'up'), ('after', 'up')]
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    name = shape.name
    if name in ("flat", "linear") or not np.isfinite(shape.rss_):
        return []
    x = shape.design(t, shape.location_)
    coef = np.asarray(shape.coef_, dtype=float)
    if cov is None:
        df = max(len(t) - x.shape[1] - len(shape.location_), 1)
        vcov = np.linalg.pinv(x.T @ x) * float(shape.rss_) / df
    else:
        s = np.asarray(cov, dtype=float) + tau2 * np.eye(len(t))
        w = np.linalg.inv(s)
        vcov = np.linalg.pinv(x.T @ w @ x)
    first, last = float(t.min()), float(t.max())
    times = np.unique(t)

    def part(label, contrast, start, end, length=None):
        c = np.asarray(contrast, dtype=float)
        estimate = float(c @ coef)
        se = math.sqrt(max(float(c @ vcov @ c), 0.0))
        change = estimate * (end - start) if length is None else estimate
        supported = bool(se > 0 and abs(estimate) >= _Z * se) or (se == 0 and estimate != 0)
        if supported and length is None:  # a slope: seen in its own stretch's points too
            supported = _own_slope_agrees(t, y, cov, tau2, start, end, estimate)
        return Part(label, start, end, estimate, se, change, supported)

    if name in ("step", "shock_recovery"):
        tau = float(shape.location_[0])
        previous = float(times[times < tau].max()) if np.any(times < tau) else first
        if name == "step":
            return [part("jump", [0, 1], previous, tau, length=0)]
        return [
            part("before", [0, 1, 0, 0], first, previous),
            part("jump", [0, 0, 1, 0], previous, tau, length=0),
            part("turn", [0, 0, 0, 1], tau, tau, length=0),
            part("after", [0, 1, 0, 1], tau, last),
        ]
    if name == "s_curve":
        mid, scale = (float(v) for v in shape.location_)
        start, end = max(first, mid - 2 * scale), min(last, mid + 2 * scale)
        return [part("jump", [0, 1], start, end, length=0)]
    if name in ("segmented", "u_shape"):
        psi = float(shape.location_[0])
        return [
            part("before", [0, 1, 0], first, psi),
            part("turn", [0, 0, 1], psi, psi, length=0),
            part("after", [0, 1, 1], psi, last),
        ]
    if name == "two_breakpoints":
        psi1, psi2 = (float(v) for v in shape.location_)
        return [
            part("before", [0, 1, 0, 0], first, psi1),
            part("turn", [0, 0, 1, 0], psi1, psi1, length=0),
            part("middle", [0, 1, 1, 0], psi1, psi2),
            part("turn_2", [0, 0, 0, 1], psi2, psi2, length=0),
            part("after", [0, 1, 1, 1], psi2, last),
        ]
    raise ValueError(f"unknown shape {name!r}")


def supports(name: str, parts: list[Part]) -> bool:
    """Whether every part the shape's name claims is supported (see :data:`CLAIMS`).

    A shock also needs its recovery to go the other way from its drop, and a turn in direction
    its two arms to go opposite ways.

    Examples
    --------
    >>> up = Part("before", 1, 4, 0.3, 0.1, 0.9, True)
    >>> down = Part("after", 4, 8, -0.3, 0.1, -1.2, True)
    >>> supports("u_shape", [up, down]), supports("u_shape", [up, up])
    (True, False)
    """
    if name in ("flat", "linear"):
        return True
    by_name = {p.name: p for p in parts}
    claimed = [by_name.get(c) for c in CLAIMS.get(name, ())]
    if any(p is None or not p.supported for p in claimed):
        return False
    if name == "u_shape":
        return claimed[0].estimate * claimed[1].estimate < 0
    if name == "shock_recovery":
        return claimed[0].estimate * claimed[1].estimate < 0
    return True


def _own_slope_agrees(t, y, cov, tau2, start, end, estimate) -> bool:
    """Whether the points of a stretch alone show a slope of the same sign, its 95% interval
    excluding zero (at least 3 distinct times). A broken line's slope next to a fitted
    breakpoint borrows from the other side, which can make a flat stretch look sloped."""
    inside = (t >= start - 1e-9) & (t <= end + 1e-9)
    if np.unique(t[inside]).size < 3:
        return False
    x = np.column_stack([np.ones(inside.sum()), t[inside]])
    if cov is None:
        coef, rss = np.linalg.lstsq(x, y[inside], rcond=None)[:2]
        df = inside.sum() - 2
        if df <= 0 or not len(rss):
            return False
        vcov = np.linalg.inv(x.T @ x) * float(rss[0]) / df
        limit = stats.t.ppf(0.975, df)
    else:
        s = np.asarray(cov, dtype=float)[np.ix_(inside, inside)] + tau2 * np.eye(inside.sum())
        w = np.linalg.inv(s)
        vcov = np.linalg.inv(x.T @ w @ x)
        coef = vcov @ x.T @ w @ y[inside]
        limit = _Z
    se = math.sqrt(max(vcov[1, 1], 0.0))
    return bool(coef[1] * estimate > 0 and abs(coef[1]) >= limit * se)
