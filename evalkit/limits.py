"""How many rounds each kind of claim needs: one place for the guard rails every report shares.

With few rounds a turn cannot be told from noise, so the change engine claims no turning point
before :data:`MIN_BREAKPOINT_POINTS` time points, and a place gets its trajectory report (and a
place in the programme view) from :data:`MIN_TREND_ROUNDS` rounds. Kept apart from the engine so
that planning a cycle can read them without loading it.
"""

__all__ = ["MIN_BREAKPOINT_POINTS", "MIN_EARLY_WARNING_POINTS", "MIN_TREND_ROUNDS"]

#: Fewest distinct time points before any breakpoint (non-linearity) is claimed.
MIN_BREAKPOINT_POINTS = 6
#: Rounds a place needs before its trajectory report and its place in the programme view.
MIN_TREND_ROUNDS = 3
#: Time points a series needs before early-warning signals are worth computing at all.
MIN_EARLY_WARNING_POINTS = 20
