"""Shapes without a turn: a flat level and a straight line."""

from __future__ import annotations

import numpy as np

from evalkit.change.shapes.base import Shape

__all__ = ["Flat", "Linear"]


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
