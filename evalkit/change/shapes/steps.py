"""Shapes with a jump: a step to a new level, and a shock followed by recovery."""

from __future__ import annotations

import numpy as np

from evalkit.change.shapes.base import Shape, unique_times

__all__ = ["ShockRecovery", "Step"]


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
