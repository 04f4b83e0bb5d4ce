"""The shapes a trajectory can take: flat, straight, step, broken line, S-curve, U, shock.

Each shape is a small class in the style of ruptures: settings as keyword arguments, ``fit(t, y,
weights)`` returning ``self``, then ``predict(t)``. Once its breakpoint (or midpoint and scale) is
fixed, every shape is linear in its coefficients, which is what lets the change engine fit it on a
grid of locations for many series at once (see :mod:`evalkit.change.variance`).

==================  =====================================================  ========  ==========
name                curve                                                  n_params  min points
==================  =====================================================  ========  ==========
``flat``            b0                                                     1         2
``linear``          b0 + b1 t                                              2         3
``step``            b0 + delta 1(t >= tau)                                 3         4
``segmented``       b0 + b1 t + d (t - psi)+                               4         5
``u_shape``         the same, with slopes b1 and b1 + d of opposite sign   4         5
``s_curve``         lower + (upper - lower) / (1 + exp(-(t - mid) / s))    4         8
``shock_recovery``  b0 + b1 t + (delta + g (t - tau)) 1(t >= tau)          5         6
``two_breakpoints`` b0 + b1 t + d1 (t - psi1)+ + d2 (t - psi2)+            6         10
==================  =====================================================  ========  ==========

``n_params`` counts each breakpoint (or midpoint and scale) as a parameter; information criteria
add one more for the variance. A step's ``tau`` and a shock's are the first time of the new regime;
a broken line's ``psi`` is estimated continuously between observed times.
"""

from __future__ import annotations

from evalkit.change.shapes.base import Shape
from evalkit.change.shapes.broken import Segmented, TwoBreakpoints, UShape
from evalkit.change.shapes.lines import Flat, Linear
from evalkit.change.shapes.s_curve import SCurve
from evalkit.change.shapes.steps import ShockRecovery, Step

__all__ = [
    "SHAPES",
    "Flat",
    "Linear",
    "SCurve",
    "Segmented",
    "Shape",
    "ShockRecovery",
    "Step",
    "TwoBreakpoints",
    "UShape",
    "FAMILIES",
    "default_shapes",
    "shape_family",
]


#: Every shape name the change engine reports (the demo's ``SHAPES`` are a subset).
SHAPES = (
    "flat",
    "linear",
    "step",
    "segmented",
    "u_shape",
    "s_curve",
    "shock_recovery",
    "two_breakpoints",
)


#: Shape -> the family of change it describes. A step and an S-curve are one family (a move to a
#: new level, sudden or over a round or two); every other shape is its own.
FAMILIES = {
    "flat": "flat",
    "linear": "linear",
    "step": "new_level",
    "s_curve": "new_level",
    "segmented": "change_of_pace",
    "u_shape": "turn_in_direction",
    "shock_recovery": "shock",
    "two_breakpoints": "two_turns",
}


def shape_family(shape: str | None) -> str | None:
    """The family of a shape (see :data:`FAMILIES`); None for no shape.

    >>> shape_family("s_curve") == shape_family("step"), shape_family("segmented")
    (True, 'change_of_pace')
    """
    if shape is None:
        return None
    return FAMILIES.get(shape, shape)


def default_shapes(n_times: int) -> list[Shape]:
    """The candidate shapes for a series with ``n_times`` distinct time points, simplest first."""
    shapes = [Flat(), Linear(), Step(), Segmented(), UShape(), SCurve(), ShockRecovery()]
    shapes.append(TwoBreakpoints())
    return [s for s in shapes if n_times >= s.min_points]
