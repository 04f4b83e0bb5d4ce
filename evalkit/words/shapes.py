"""The one vocabulary of shapes: what every table, chart, sentence and page calls each shape."""

from __future__ import annotations

__all__ = ["SHAPE_WORDS"]


#: Shapes in words a partner can read.
SHAPE_WORDS = {
    "flat": "Flat",
    "linear": "Straight line",
    "step": "Step change",
    "segmented": "Turned (a bend)",
    "u_shape": "Dip and recovery (or rise and fall)",
    "s_curve": "Tipping point (S-curve)",
    "shock_recovery": "Shock, then partial recovery",
    "two_breakpoints": "Two turns",
}
